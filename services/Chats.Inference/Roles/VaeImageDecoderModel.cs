using Chats.Core.Imaging;
using Chats.Core.Loading;
using Chats.Inference.Models.Vae;
using Chats.Core.Sampling;
using Chats.Core.Tensors;
using TorchSharp;
using Chats.Inference.Engine;
using Chats.Inference.Tensors;

namespace Chats.Inference.Roles;

/// <summary>The <c>vae</c> of a pipeline folder decoding final latents to PNGs (latents / scaling_factor + shift_factor, as diffusers).</summary>
public sealed class VaeImageDecoderModel : IImageDecoderModel
{
    private readonly AutoencoderKL _vae;
    private readonly InferenceWorker _worker;

    private VaeImageDecoderModel(AutoencoderKL vae, string modelId, TorchPlacement placement, int threads)
    {
        _worker = new InferenceWorker("vae-decoder", threads: threads);
        _vae = vae;
        ModelId = modelId;
        Placement = placement;
    }

    /// <inheritdoc />
    public string ModelId { get; }

    /// <summary>The device and dtype the decoder computes in.</summary>
    public TorchPlacement Placement { get; }

    /// <summary>The loaded VAE (decoder half; tests check where its parameters are).</summary>
    internal AutoencoderKL Network => _vae;

    /// <inheritdoc />
    public int LatentChannels => _vae.Config.LatentChannels;

    /// <inheritdoc />
    public int SpatialFactor => _vae.SpatialFactor;

    /// <summary>
    /// Loads the <c>vae</c> component of the pipeline at <paramref name="modelPath"/>, and nothing else: read on the CPU,
    /// then converted and moved to <paramref name="placement"/> (default cpu, float32). Unlike diffusers' SDXL pipeline,
    /// a float16 VAE is not upcast for <c>force_upcast</c> configs: the dtype asked for is the dtype used.
    /// </summary>
    public static VaeImageDecoderModel Load(string modelPath, string? modelId = null, TorchPlacement? placement = null, int threads = 0)
    {
        placement ??= TorchPlacement.Default;
        var folder = DiffusersPipelineFolder.Open(modelPath);
        var vae = AutoencoderKL.LoadDecoder(folder.ComponentPath("vae"));
        try
        {
            placement.Place(vae);
        }
        catch
        {
            vae.Dispose();
            throw;
        }

        return new VaeImageDecoderModel(vae, modelId ?? folder.Name, placement, threads);
    }

    /// <inheritdoc />
    public void ValidateLatents(HostTensor latents, string field)
    {
        ArgumentNullException.ThrowIfNull(latents);
        var s = latents.Shape;
        if (s.Length != 4 || s[0] < 1 || s[1] != LatentChannels || s[2] < 1 || s[3] < 1 || s[2] > 1024 || s[3] > 1024)
        {
            throw new RequestValidationException(field, $"shape [{string.Join(", ", s)}] must be [batch, {LatentChannels}, height ≤ 1024, width ≤ 1024]");
        }

        if (latents.Data.Any(v => !float.IsFinite(v)))
        {
            throw new RequestValidationException(field, "contains NaN or infinite values");
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<byte[]>> DecodeToPngAsync(HostTensor latents, CancellationToken cancellationToken)
        => _worker.RunAsync<IReadOnlyList<byte[]>>(() => Decode(latents), cancellationToken);

    /// <summary>
    /// The VAE decoder's raw output [batch, 3, H, W] (about [−1, 1], unclamped) for <paramref name="latents"/>
    /// (not yet divided by the scaling factor nor shifted back by the shift factor, which this does):
    /// what <see cref="DecodeToPngAsync"/> turns into 8-bit images.
    /// </summary>
    public Task<HostTensor> DecodeAsync(HostTensor latents, CancellationToken cancellationToken)
        => _worker.RunAsync(() => TorchTensorCodec.ToHost(DecodeRaw(latents)), cancellationToken);

    /// <inheritdoc />
    public void Dispose()
    {
        _worker.Dispose();
        _vae.Dispose();
    }

    private List<byte[]> Decode(HostTensor latents)
    {
        var images = DecodeRaw(latents);
        int height = (int)images.shape[2], width = (int)images.shape[3];
        var pngs = new List<byte[]>((int)images.shape[0]);
        for (int i = 0; i < images.shape[0]; i++)
        {
            var planar = TorchTensorCodec.ToHost(images[i]).Data;
            pngs.Add(PngEncoder.EncodeRgb(ImageConversion.PlanarSignedToRgb(planar, width, height), width, height));
        }

        return pngs;
    }

    private torch.Tensor DecodeRaw(HostTensor latents)
    {
        var config = _vae.Config;
        // Unscaled in fp32, as the latents arrive, and only then cast: the division costs nothing and loses no precision.
        var z = TorchTensorCodec.FromHost(latents) / config.ScalingFactor;
        if (config.ShiftFactor is double shift)
        {
            z = z + shift;
        }

        return _vae.decode(Placement.ToModel(z));
    }
}
