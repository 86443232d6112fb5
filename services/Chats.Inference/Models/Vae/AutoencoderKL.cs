using TorchSharp.Modules;
using static TorchSharp.torch;
using Chats.Inference.Loading;

namespace Chats.Inference.Models.Vae;

/// <summary>
/// diffusers v0.25 <c>AutoencoderKL</c> (encoder, quant_conv, post_quant_conv, decoder), with the same module names so
/// that its state-dict keys are the checkpoint's keys. SD3's VAE (diffusers v0.29) has neither quant_conv nor
/// post_quant_conv (<see cref="AutoencoderKLConfig.UseQuantConv"/>, <see cref="AutoencoderKLConfig.UsePostQuantConv"/>):
/// then those modules, and so their keys, do not exist.
/// </summary>
public sealed class AutoencoderKL : nn.Module
{
    /// <summary>Weights file name inside a diffusers component folder.</summary>
    public const string WeightsFileName = "diffusion_pytorch_model.safetensors";

    /// <summary>Config file name inside a diffusers component folder.</summary>
    public const string ConfigFileName = "config.json";

    private readonly Encoder? encoder;
    private readonly Decoder decoder;
    private readonly Conv2d? quant_conv;
    private readonly Conv2d? post_quant_conv;

    /// <summary>
    /// Builds the model with freshly initialised weights (load them with <see cref="Load(string)"/>). Without
    /// <paramref name="includeEncoder"/> only post_quant_conv (where the config has one) and the decoder exist: what
    /// the decoder role needs.
    /// </summary>
    public AutoencoderKL(AutoencoderKLConfig config, bool includeEncoder = true)
        : base(nameof(AutoencoderKL))
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        if (includeEncoder)
        {
            encoder = new Encoder(config);
            quant_conv = config.UseQuantConv ? nn.Conv2d(2 * config.LatentChannels, 2 * config.LatentChannels, 1) : null;
        }

        decoder = new Decoder(config);
        post_quant_conv = config.UsePostQuantConv ? nn.Conv2d(config.LatentChannels, config.LatentChannels, 1) : null;
        RegisterComponents();
        Common.NormalizationInit.Apply(this);
    }

    /// <summary>The configuration the model was built from.</summary>
    public AutoencoderKLConfig Config { get; }

    /// <summary>Image pixels per latent pixel along each side: 2^(len(block_out_channels) - 1).</summary>
    public int SpatialFactor => 1 << (Config.BlockOutChannels.Count - 1);

    /// <summary>
    /// Encodes images (batch, in_channels, height, width; values in [-1, 1]) to the moments of the latent distribution:
    /// mean and log-variance concatenated on dim 1 (diffusers' <c>DiagonalGaussianDistribution.parameters</c>,
    /// unclamped and unscaled).
    /// </summary>
    public Tensor encode(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (encoder is null)
        {
            throw new InvalidOperationException("this AutoencoderKL was loaded without its encoder (decoder only)");
        }

        if (quant_conv is null)
        {
            return encoder.forward(x);
        }

        using var h = encoder.forward(x);
        return quant_conv.forward(h);
    }

    /// <summary>
    /// Decodes latents that are already divided by <see cref="AutoencoderKLConfig.ScalingFactor"/> (and shifted back by
    /// <see cref="AutoencoderKLConfig.ShiftFactor"/>, as diffusers' <c>vae.decode</c> expects) to images
    /// (batch, out_channels, height * SpatialFactor, width * SpatialFactor), unclamped.
    /// </summary>
    public Tensor decode(Tensor z)
    {
        ArgumentNullException.ThrowIfNull(z);
        if (post_quant_conv is null)
        {
            return decoder.forward(z);
        }

        using var h = post_quant_conv.forward(z);
        return decoder.forward(h);
    }

    /// <summary>
    /// Loads a diffusers component folder (<c>config.json</c> and <c>diffusion_pytorch_model.safetensors</c>, or its shards
    /// or fp16 / bf16 variant, see <see cref="WeightFiles"/>) strictly: a missing or unexpected key or a wrong shape fails
    /// with the file named. fp16 / bf16 weights become fp32.
    /// </summary>
    public static AutoencoderKL Load(string componentDir) => Load(componentDir, includeEncoder: true);

    /// <summary>
    /// Loads only post_quant_conv (if any) and the decoder (the encoder's weights are checked against nothing and never
    /// read), so the decoder service holds only what it uses.
    /// </summary>
    public static AutoencoderKL LoadDecoder(string componentDir) => Load(componentDir, includeEncoder: false);

    private static readonly string[] s_encoderPrefixes = ["encoder.", "quant_conv."];

    private static AutoencoderKL Load(string componentDir, bool includeEncoder)
    {
        var config = AutoencoderKLConfig.Load(Path.Combine(componentDir, ConfigFileName));
        return DiffusersComponentFiles.LoadInto(new AutoencoderKL(config, includeEncoder), componentDir, includeEncoder ? null : s_encoderPrefixes);
    }

    /// <summary>Writes <c>config.json</c> (the JSON text it was loaded from) and the weights to <paramref name="componentDir"/>.</summary>
    public void Save(string componentDir)
        => DiffusersComponentFiles.Save(this, Config.RawJson, componentDir);
}
