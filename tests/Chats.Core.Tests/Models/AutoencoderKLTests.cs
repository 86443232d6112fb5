using Chats.Inference.Models.Vae;
using TorchSharp;
using static TorchSharp.torch;

namespace Chats.Core.Tests.Models;

[Collection("TorchSharp")]
public sealed class AutoencoderKLTests
{
    private const double Tolerance = 1e-4;

    public static TheoryData<string, string, string> DecodeCases =>
        ModelCases.Find(file => file.StartsWith("vae_decode_case", StringComparison.Ordinal) ? "vae" : null);

    public static TheoryData<string, string, string> EncodeCases =>
        ModelCases.Find(file => file.StartsWith("vae_encode_case", StringComparison.Ordinal) ? "vae" : null);

    [Theory]
    [MemberData(nameof(DecodeCases))]
    public void Decode_MatchesDiffusers(string pipeline, string component, string caseFile)
    {
        using var vae = AutoencoderKL.Load(FixturePaths.Combine(pipeline, component));
        var tensors = ModelCases.Read(pipeline, caseFile);
        try
        {
            using var mode = torch.inference_mode();
            using var output = vae.decode(tensors["latents"]);
            double err = ModelCases.MaxAbsError(output, tensors["out_sample"]);
            ModelCases.Log($"vae_decode {pipeline} {caseFile} max_abs={err:E3}");
            Assert.True(err <= Tolerance, $"{pipeline}/{caseFile}: max abs error {err:E3} > {Tolerance:E0}");
        }
        finally
        {
            ModelCases.Dispose(tensors);
        }
    }

    [Theory]
    [MemberData(nameof(EncodeCases))]
    public void Encode_MatchesDiffusers(string pipeline, string component, string caseFile)
    {
        using var vae = AutoencoderKL.Load(FixturePaths.Combine(pipeline, component));
        var tensors = ModelCases.Read(pipeline, caseFile);
        try
        {
            using var mode = torch.inference_mode();
            using var moments = vae.encode(tensors["image"]);
            var chunks = moments.chunk(2, 1);
            using var mean = chunks[0];
            using var logvar = chunks[1].clamp(-30.0, 20.0);
            chunks[1].Dispose();
            double err = Math.Max(
                ModelCases.MaxAbsError(moments, tensors["moments"]),
                Math.Max(ModelCases.MaxAbsError(mean, tensors["latent_mean"]), ModelCases.MaxAbsError(logvar, tensors["latent_logvar"])));
            ModelCases.Log($"vae_encode {pipeline} {caseFile} max_abs={err:E3}");
            Assert.True(err <= Tolerance, $"{pipeline}/{caseFile}: max abs error {err:E3} > {Tolerance:E0}");
        }
        finally
        {
            ModelCases.Dispose(tensors);
        }
    }

    [Theory]
    [InlineData("tiny-sd15", 2)]
    [InlineData("tiny-sdxl", 8)]
    [InlineData("tiny-chats-sdxl", 8)]
    [InlineData("tiny-chats-sd15", 8)]
    public void SpatialFactor_IsTwoToTheNumberOfDownsamplers(string pipeline, int expected)
    {
        using var vae = new AutoencoderKL(AutoencoderKLConfig.Load(FixturePaths.Combine(pipeline, "vae", "config.json")));
        Assert.Equal(expected, vae.SpatialFactor);
    }

    [Fact]
    public void SaveThenLoad_GivesIdenticalOutputs()
    {
        string dir = Directory.CreateTempSubdirectory("chats-vae-").FullName;
        try
        {
            using var vae = AutoencoderKL.Load(FixturePaths.Combine("tiny-chats-sdxl", "vae"));
            vae.Save(dir);
            using var reloaded = AutoencoderKL.Load(dir);
            var tensors = ModelCases.Read("tiny-chats-sdxl", "vae_decode_case2.safetensors");
            try
            {
                using var mode = torch.inference_mode();
                using var a = vae.decode(tensors["latents"]);
                using var b = reloaded.decode(tensors["latents"]);
                using var same = a.eq(b).all();
                Assert.True(same.item<bool>());
            }
            finally
            {
                ModelCases.Dispose(tensors);
            }

            Assert.Equal(File.ReadAllText(FixturePaths.Combine("tiny-chats-sdxl", "vae", "config.json")), File.ReadAllText(Path.Combine(dir, "config.json")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void LoadDecoder_HoldsOnlyTheDecoder_AndDecodesExactlyLikeTheFullModel()
    {
        string dir = FixturePaths.Combine("tiny-sd15", "vae");
        using var full = AutoencoderKL.Load(dir);
        using var decoderOnly = AutoencoderKL.LoadDecoder(dir);
        using var mode = torch.inference_mode();
        using var latents = torch.randn(1, 4, 4, 4, generator: new torch.Generator(7));

        using var expected = full.decode(latents);
        using var actual = decoderOnly.decode(latents);

        Assert.True(actual.eq(expected).all().item<bool>());
        Assert.DoesNotContain(decoderOnly.state_dict().Keys, k => k.StartsWith("encoder.", StringComparison.Ordinal) || k.StartsWith("quant_conv.", StringComparison.Ordinal));
        Assert.True(decoderOnly.parameters().Sum(p => p.numel()) < full.parameters().Sum(p => p.numel()));
        Assert.Throws<InvalidOperationException>(() => decoderOnly.encode(torch.zeros(1, 3, 8, 8)));
    }
}
