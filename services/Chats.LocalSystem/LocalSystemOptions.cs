namespace Chats.LocalSystem;

/// <summary>How <see cref="LocalChatsSystem"/> starts the services.</summary>
public sealed record LocalSystemOptions
{
    /// <summary>Diffusers pipeline folder with unet_win and unet_lose (and optionally unet for the CFG arm).</summary>
    public required string ModelPath { get; init; }

    /// <summary>
    /// A pipeline whose <c>unet</c> serves the standard (CFG arm) role when <see cref="ModelPath"/> has no <c>unet</c>;
    /// it must share the text encoder and VAE of <see cref="ModelPath"/> (e.g. the base model a CHATS pair was fine-tuned from).
    /// </summary>
    public string? StandardModelPath { get; init; }

    /// <summary>
    /// Device of every torch role (text encoder, denoisers, decoder): <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>, passed as
    /// <c>TextEncoder:Device</c>, <c>Denoiser:Device</c> and <c>Decoder:Device</c>; <see cref="Overrides"/> can set one role apart.
    /// </summary>
    public string Device { get; init; } = Inference.Tensors.TorchPlacement.DefaultDevice;

    /// <summary>dtype of every torch role: <c>float32</c>, <c>float16</c> or <c>bfloat16</c> (the <c>DType</c> key of each section).</summary>
    public string DType { get; init; } = Inference.Tensors.TorchPlacement.DefaultDType;

    /// <summary>Redis configuration for the embedding cache; null for the in-process cache.</summary>
    public string? Redis { get; init; }

    /// <summary>Extra configuration per service ("gateway", "sampler", "text-encoder", "preferred", "dispreferred", "standard", "decoder").</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string?>> Overrides { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, string?>>();

    /// <summary>Quiet logging (warnings and errors only).</summary>
    public bool Quiet { get; init; } = true;
}
