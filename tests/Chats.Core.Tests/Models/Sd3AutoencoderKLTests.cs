using Chats.Inference.Loading;
using Chats.Inference.Models.Vae;
using TorchSharp;
using static TorchSharp.torch;

namespace Chats.Core.Tests.Models;

/// <summary>
/// SD3's VAE (diffusers v0.29.2 fixtures): 16 latent channels, a shift factor, and neither quant_conv nor
/// post_quant_conv.
/// </summary>
[Collection("TorchSharp")]
public sealed class Sd3AutoencoderKLTests : IDisposable
{
    private const double Tolerance = 1e-4;

    private readonly string _dir = Directory.CreateTempSubdirectory("chats-sd3-vae-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string VaeFolder(string pipeline) => Path.Combine(FixturePaths.DiffusersReferenceSd3, pipeline, "vae");

    [Theory]
    [InlineData("tiny-sd3")]
    [InlineData("tiny-chats-sd3")]
    public void Config_ReadsTheSd3Fields(string pipeline)
    {
        var config = AutoencoderKLConfig.Load(Path.Combine(VaeFolder(pipeline), AutoencoderKL.ConfigFileName));

        Assert.Equal(16, config.LatentChannels);
        Assert.Equal(1.5305, config.ScalingFactor);
        Assert.Equal(0.0609, config.ShiftFactor);
        Assert.False(config.UseQuantConv);
        Assert.False(config.UsePostQuantConv);
    }

    [Fact]
    public void Config_WithoutTheQuantConvFields_HasBothConvs()
    {
        var config = AutoencoderKLConfig.Load(FixturePaths.Combine("tiny-sd15", "vae", AutoencoderKL.ConfigFileName));

        Assert.True(config.UseQuantConv);
        Assert.True(config.UsePostQuantConv);
        Assert.Null(config.ShiftFactor);
    }

    [Fact]
    public void Config_LatentsMeanGiven_IsNotSupported()
        => Assert.Throws<NotSupportedException>(() => AutoencoderKLConfig.Parse(MinimalConfig("\"latents_mean\": [0.1, 0.2]")));

    [Fact]
    public void Config_UseQuantConvNotABoolean_IsInvalid()
        => Assert.Throws<InvalidDataException>(() => AutoencoderKLConfig.Parse(MinimalConfig("\"use_quant_conv\": 1")));

    [Theory]
    [InlineData("false", "true", false, true)]
    [InlineData("true", "false", true, false)]
    public void Config_QuantConvFlags_AreReadIndependently(string quant, string postQuant, bool expectQuant, bool expectPostQuant)
    {
        var config = AutoencoderKLConfig.Parse(MinimalConfig($"\"use_quant_conv\": {quant}, \"use_post_quant_conv\": {postQuant}"));

        Assert.Equal((expectQuant, expectPostQuant), (config.UseQuantConv, config.UsePostQuantConv));
    }

    [Fact]
    public void Load_HasNoQuantConvKeys_AndSpatialFactorTwo()
    {
        using var vae = AutoencoderKL.Load(VaeFolder("tiny-sd3"));

        Assert.DoesNotContain(vae.state_dict().Keys, k => k.StartsWith("quant_conv.", StringComparison.Ordinal) || k.StartsWith("post_quant_conv.", StringComparison.Ordinal));
        Assert.Contains(vae.state_dict().Keys, k => k.StartsWith("encoder.", StringComparison.Ordinal));
        Assert.Equal(2, vae.SpatialFactor);
    }

    [Theory]
    [InlineData("post_quant_conv.weight")]
    [InlineData("quant_conv.bias")]
    public void Load_AQuantConvKeyInTheFile_IsUnexpected(string key)
    {
        CopyVae(VaeFolder("tiny-sd3"), t => t.Add(key, zeros(16)));

        var e = Assert.Throws<InvalidDataException>(() => AutoencoderKL.Load(_dir));
        Assert.Contains($"unexpected keys: {key}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_Sd15WithoutPostQuantConvInTheFile_StillFailsAsMissing()
    {
        CopyVae(FixturePaths.Combine("tiny-sd15", "vae"), t =>
        {
            Assert.True(t.Remove("post_quant_conv.weight", out var w));
            w.Dispose();
        });

        var e = Assert.Throws<InvalidDataException>(() => AutoencoderKL.LoadDecoder(_dir));
        Assert.Contains("missing keys: post_quant_conv.weight", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("vae_decode_case0.safetensors")]
    [InlineData("vae_decode_case1.safetensors")]
    public void Decode_MatchesDiffusers(string caseFile)
    {
        using var vae = AutoencoderKL.Load(VaeFolder("tiny-sd3"));
        using var decoderOnly = AutoencoderKL.LoadDecoder(VaeFolder("tiny-sd3"));
        var tensors = TorchSharp.PyBridge.Safetensors.LoadStateDict(Path.Combine(FixturePaths.DiffusersReferenceSd3, "tiny-sd3", "cases", caseFile));
        try
        {
            using var mode = torch.inference_mode();
            using var output = vae.decode(tensors["latent"]);
            using var fromDecoderOnly = decoderOnly.decode(tensors["latent"]);
            double err = ModelCases.MaxAbsError(output, tensors["out_sample"]);
            ModelCases.Log($"vae_decode tiny-sd3 {caseFile} max_abs={err:E3}");
            Assert.True(err <= Tolerance, $"tiny-sd3/{caseFile}: max abs error {err:E3} > {Tolerance:E0}");
            Assert.True(fromDecoderOnly.eq(output).all().item<bool>());
        }
        finally
        {
            ModelCases.Dispose(tensors);
        }
    }

    [Fact]
    public void Encode_WithoutQuantConv_GivesTheEncoderMoments()
    {
        using var vae = AutoencoderKL.Load(VaeFolder("tiny-sd3"));
        using var mode = torch.inference_mode();
        using var image = torch.rand(1, 3, 16, 24, generator: new torch.Generator(3)) * 2 - 1;

        using var moments = vae.encode(image);

        Assert.Equal([1L, 32, 8, 12], moments.shape);
    }

    private static string MinimalConfig(string extraField) => $$"""
        { "_class_name": "AutoencoderKL", "block_out_channels": [32], "down_block_types": ["DownEncoderBlock2D"],
          "up_block_types": ["UpDecoderBlock2D"], {{extraField}} }
        """;

    /// <summary>Copies a VAE folder into the temp folder, letting <paramref name="edit"/> change its tensors.</summary>
    private void CopyVae(string source, Action<Dictionary<string, Tensor>> edit)
    {
        File.Copy(Path.Combine(source, AutoencoderKL.ConfigFileName), Path.Combine(_dir, AutoencoderKL.ConfigFileName));
        var tensors = TorchSharp.PyBridge.Safetensors.LoadStateDict(Path.Combine(source, AutoencoderKL.WeightsFileName));
        edit(tensors);
        StrictStateDict.Write(tensors, Path.Combine(_dir, AutoencoderKL.WeightsFileName));
        ModelCases.Dispose(tensors);
    }
}
