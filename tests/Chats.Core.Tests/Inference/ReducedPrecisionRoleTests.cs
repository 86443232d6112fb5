using Chats.Training.Data;
using Chats.Inference.Engine;
using Chats.Core.Sampling;
using Chats.Core.Tensors;
using Chats.Core.Tests.Models;
using Chats.Core.Tests.Sampling;
using Chats.Inference.Local;
using Chats.Inference.Roles;
using Chats.Inference.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Chats.Core.Tests.Inference;

/// <summary>
/// Every torch role on the CPU in float16 and bfloat16 against the same role in float32, on the tiny fixture
/// pipelines: the parameters really are in the dtype asked for, the outputs are fp32 host tensors of the fp32
/// shapes, and they are within a stated tolerance of the fp32 outputs. The tolerances hold the worst error measured
/// here with a margin (README, "Device and dtype"); set CHATS_PARITY_LOG to see the errors.
/// </summary>
[Collection("TorchSharp")]
public sealed class ReducedPrecisionRoleTests
{
    public static TheoryData<string, string> Cases => new()
    {
        { "tiny-sd15", "float16" },
        { "tiny-sd15", "bfloat16" },
        { "tiny-sdxl", "float16" },
        { "tiny-sdxl", "bfloat16" },
    };

    private static readonly string[] s_prompts = ["a photo of an astronaut riding a horse on mars", ""];

    /// <summary>
    /// Max abs error allowed against float32, per role and dtype: about three times the worst measured on these
    /// inputs (in the comments; fp32 outputs reach |x| of 1.2 to 2.8), so other CPUs' fp16 / bf16 kernels fit too.
    /// </summary>
    private static double Tolerance(string role, string dtype) => (role, dtype) switch
    {
        ("unet", "float16") => 1e-2, // 3.3e-3
        ("unet", "bfloat16") => 6e-2, // 2.0e-2
        ("text_encoder", "float16") => 2e-2, // 5.7e-3
        ("text_encoder", "bfloat16") => 1.5e-1, // 4.4e-2
        ("vae", "float16") => 1.5e-2, // 4.6e-3
        ("vae", "bfloat16") => 1e-1, // 3.3e-2
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, null),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Denoiser_InReducedPrecision_HasThatDType_AndPredictsCloseToFloat32(string pipeline, string dtype)
    {
        var ct = TestContext.Current.CancellationToken;
        var placement = TorchPlacement.Parse("cpu", dtype);
        string folder = FixturePaths.Combine(pipeline);
        using var reference = UNetDenoiserModel.Load(folder, "unet");
        using var reduced = UNetDenoiserModel.Load(folder, "unet", placement: placement);
        var d = reference.Description;
        var latent = Random([2, d.LatentChannels, 8, 8], seed: 1);
        var timeIds = new HostTensor([64, 64, 0, 0, 64, 64], [6]);
        var conditionings = new[] { Conditioning(d, seed: 2), Conditioning(d, seed: 3) }
            .Select(c => d.TimeIdsCount > 0 ? c.With(ConditioningNames.TimeIds, timeIds) : c).ToArray();

        var expected = await PredictAsync(reference, latent, 501f, conditionings, ct);
        var actual = await PredictAsync(reduced, latent, 501f, conditionings, ct);

        Assert.Equal(placement, reduced.Placement);
        AssertParameters(reduced.Network, placement.DType);
        AssertClose("unet", pipeline, dtype, expected, actual);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task TextEncoder_InReducedPrecision_HasThatDType_AndEncodesCloseToFloat32(string pipeline, string dtype)
    {
        var ct = TestContext.Current.CancellationToken;
        var placement = TorchPlacement.Parse("cpu", dtype);
        string folder = FixturePaths.Combine(pipeline);
        using var reference = ClipTextConditioningModel.Load(folder);
        using var reduced = ClipTextConditioningModel.Load(folder, placement: placement);

        var expected = await reference.EncodeAsync(s_prompts, ct);
        var actual = await reduced.EncodeAsync(s_prompts, ct);

        Assert.Equal(placement, reduced.Placement);
        Assert.NotEmpty(reduced.Networks);
        foreach (var network in reduced.Networks)
        {
            AssertParameters(network, placement.DType);
        }

        // A reduced-precision encoder must not share cache entries with the fp32 one.
        Assert.NotEqual(reference.Description.Fingerprint, reduced.Description.Fingerprint);
        AssertClose("text_encoder", pipeline, dtype, expected.Select(c => c.HiddenStates).ToList(), actual.Select(c => c.HiddenStates).ToList());
        if (reference.Description.PooledSize > 0)
        {
            AssertClose("text_encoder", pipeline + " pooled", dtype, expected.Select(c => c.Pooled!).ToList(), actual.Select(c => c.Pooled!).ToList());
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Decoder_InReducedPrecision_HasThatDType_AndDecodesCloseToFloat32(string pipeline, string dtype)
    {
        var ct = TestContext.Current.CancellationToken;
        var placement = TorchPlacement.Parse("cpu", dtype);
        string folder = FixturePaths.Combine(pipeline);
        using var reference = VaeImageDecoderModel.Load(folder);
        using var reduced = VaeImageDecoderModel.Load(folder, placement: placement);
        var latents = Random([1, reference.LatentChannels, 8, 8], seed: 4);

        var expected = await reference.DecodeAsync(latents, ct);
        var actual = await reduced.DecodeAsync(latents, ct);
        var pngs = await reduced.DecodeToPngAsync(latents, ct);

        Assert.Equal(placement, reduced.Placement);
        AssertParameters(reduced.Network, placement.DType);
        AssertClose("vae", pipeline, dtype, [expected], [actual]);
        Assert.Single(pngs);
    }

    [Fact]
    public void DefaultPlacement_LeavesParametersInFloat32()
    {
        using var model = UNetDenoiserModel.Load(FixturePaths.Combine("tiny-sd15"), "unet");

        Assert.Equal(TorchPlacement.Default, model.Placement);
        AssertParameters(model.Network, ScalarType.Float32);
    }

    [Theory]
    [InlineData("float16")]
    [InlineData("bfloat16")]
    public async Task LocalPipeline_InReducedPrecision_GeneratesAnImageCloseToFloat32(string dtype)
    {
        var ct = TestContext.Current.CancellationToken;
        string folder = FixturePaths.Combine("tiny-chats-sd15");
        var request = new GenerationRequestInput("a red circle", string.Empty, 64, 64, 3, 7, null, null, Core.Guidance.GuidanceMode.Chats, null, 1);
        using var reference = LocalPipeline.Open(folder);
        using var reduced = LocalPipeline.Open(folder, placement: TorchPlacement.Parse("cpu", dtype));

        var expectedImage = RgbImageDecoder.Decode(Assert.Single(await reference.GenerateAsync(request, ct)).Png);
        var actualImage = RgbImageDecoder.Decode(Assert.Single(await reduced.GenerateAsync(request, ct)).Png);

        Assert.Equal((expectedImage.Width, expectedImage.Height), (actualImage.Width, actualImage.Height));
        byte[] expected = expectedImage.Rgb, actual = actualImage.Rgb;
        double meanAbs = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Average();
        int maxAbs = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
        ModelCases.Log($"placement cpu/{dtype} local pipeline tiny-chats-sd15 3 steps: 8-bit pixels mean |diff| {meanAbs:F3}, max {maxAbs}");
        Assert.True(meanAbs <= 2.0, $"{dtype}: mean 8-bit pixel difference {meanAbs:F3} > 2 (max {maxAbs})");
    }

    private static void AssertParameters(nn.Module module, ScalarType dtype)
    {
        var parameters = module.named_parameters().ToList();
        Assert.NotEmpty(parameters);
        var wrong = parameters.Where(p => p.parameter.dtype != dtype || p.parameter.device_type != DeviceType.CPU).Select(p => $"{p.name} {p.parameter.dtype}").ToList();
        Assert.True(wrong.Count == 0, $"{wrong.Count} of {parameters.Count} parameters not {dtype} on the CPU, e.g. {string.Join(", ", wrong.Take(3))}");
    }

    // Through the session engine, as the denoiser service runs it: conditionings uploaded in the model's dtype at open.
    private static async Task<IReadOnlyList<HostTensor>> PredictAsync(
        UNetDenoiserModel model, HostTensor latent, float timestep, PromptConditioning[] conditionings, CancellationToken ct)
    {
        using var engine = new DenoiserSessionEngine(model);
        var session = engine.Open(new DenoiserSessionSetup("s", conditionings));
        return await engine.StepAsync(session, new DenoiserStep(0, timestep, latent, Enumerable.Range(0, conditionings.Length).ToList()), ct);
    }

    private static void AssertClose(string role, string what, string dtype, IReadOnlyList<HostTensor> expected, IReadOnlyList<HostTensor> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        double worst = 0, scale = 0;
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Shape, actual[i].Shape);
            Assert.All(actual[i].Data, v => Assert.True(float.IsFinite(v)));
            for (int j = 0; j < expected[i].Data.Length; j++)
            {
                worst = Math.Max(worst, Math.Abs((double)actual[i].Data[j] - expected[i].Data[j]));
                scale = Math.Max(scale, Math.Abs((double)expected[i].Data[j]));
            }
        }

        double tolerance = Tolerance(role, dtype);
        ModelCases.Log($"placement cpu/{dtype} {role} {what} max_abs={worst:E3} (fp32 max |x| {scale:F3})");
        Assert.True(worst <= tolerance, $"{role} {what} {dtype}: max abs error {worst:E3} > {tolerance:E0} (fp32 max |x| {scale:F3})");
        Assert.True(worst > 0, $"{role} {what} {dtype}: identical to float32, so the reduced dtype was not used");
    }

    private static PromptConditioning Conditioning(DenoiserDescription d, long seed) => new(
        Random([77, d.CrossAttentionDim], seed),
        d.PooledSize > 0 ? Random([d.PooledSize], seed + 100) : null);

    private static HostTensor Random(long[] shape, long seed)
    {
        using var generator = new Generator((ulong)seed);
        using var t = randn(shape, generator: generator);
        return TorchTensorCodec.ToHost(t);
    }
}
