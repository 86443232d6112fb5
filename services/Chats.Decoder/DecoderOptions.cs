using System.ComponentModel.DataAnnotations;
using Chats.Inference.Tensors;

namespace Chats.Decoder;

/// <summary>Decoder settings, section <c>Decoder</c>.</summary>
public sealed record DecoderOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Decoder";

    /// <summary>Diffusers pipeline folder; only its <c>vae</c> is loaded.</summary>
    [Required]
    public string ModelPath { get; init; } = string.Empty;

    /// <summary>Device the VAE decoder runs on: <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>. A CUDA device libtorch does not see fails start-up.</summary>
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

    /// <summary>Model id reported by GetInfo; default: the folder name.</summary>
    public string? ModelId { get; init; }

    /// <summary>
    /// libtorch intra-op threads of this role's model thread; 0 (default) = the cores this process may use, which
    /// honours a container's CPU limit. With several torch roles busy on one machine, give each cores ÷ roles.
    /// </summary>
    [Range(0, 1024)]
    public int Threads { get; init; }

    /// <summary>Most images one Decode call may carry.</summary>
    [Range(1, 64)]
    public int MaxBatch { get; init; } = 8;
}
