using System.ComponentModel.DataAnnotations;
using Chats.Inference.Tensors;

namespace Chats.TextEncoder;

/// <summary>Text-encoder settings, section <c>TextEncoder</c>.</summary>
public sealed record TextEncoderOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "TextEncoder";

    /// <summary>Diffusers pipeline folder; its tokenizer(s) and text encoder(s) are loaded, nothing else.</summary>
    [Required]
    public string ModelPath { get; init; } = string.Empty;

    /// <summary>Device the text encoder(s) run on: <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>. A CUDA device libtorch does not see fails start-up.</summary>
    [TorchDevice(Section)]
    public string Device { get; init; } = TorchPlacement.DefaultDevice;

    /// <summary>
    /// dtype of the weights and activations: <c>float32</c>, <c>float16</c> or <c>bfloat16</c>. Weights are read on the CPU,
    /// converted, then moved; inputs and outputs stay fp32 on the wire.
    /// </summary>
    [TorchDType(Section)]
    public string DType { get; init; } = TorchPlacement.DefaultDType;

    /// <summary>The placement these settings name; checks that the device exists (see <see cref="TorchPlacement.Parse"/>).</summary>
    public TorchPlacement Placement() => TorchPlacement.Parse(Device, DType, Section);

    /// <summary>Model id used in cache keys and reported by GetInfo; default: the folder name.</summary>
    public string? ModelId { get; init; }

    /// <summary>
    /// libtorch intra-op threads of this role's model thread; 0 (default) = the cores this process may use, which
    /// honours a container's CPU limit. With several torch roles busy on one machine, give each cores ÷ roles.
    /// </summary>
    [Range(0, 1024)]
    public int Threads { get; init; }

    /// <summary>Most prompts one Encode call may carry.</summary>
    [Range(1, 1024)]
    public int MaxPromptsPerRequest { get; init; } = 16;

    /// <summary>Longest prompt in characters.</summary>
    [Range(1, 100_000)]
    public int MaxPromptLength { get; init; } = 2000;
}
