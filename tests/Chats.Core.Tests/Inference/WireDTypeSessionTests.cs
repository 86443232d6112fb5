using Chats.Core.Sampling;
using Chats.Core.Tensors;
using Chats.Inference.Engine;
using Chats.Inference.Roles;

namespace Chats.Core.Tests.Inference;

/// <summary>
/// A session's wire dtype over a real tiny UNet: 16-bit sessions get the fp32 predictions rounded by torch, 16-bit
/// latents are computed as their exact fp32 values, their non-finite values are refused as fp32 ones are, and the
/// session summary counts the bytes that crossed.
/// </summary>
[Collection("TorchSharp")]
public sealed class WireDTypeSessionTests : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private readonly UNetDenoiserModel _unet = UNetDenoiserModel.Load(FixturePaths.Combine("tiny-chats-sd15"), "unet_win");

    public void Dispose() => _unet.Dispose();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(WireDType.Float16)]
    [InlineData(WireDType.BFloat16)]
    public async Task SixteenBitSession_GetsTheFloat32PredictionsRounded_AndCountsHalfTheBytes(WireDType dtype)
    {
        using var engine = new DenoiserSessionEngine(_unet);
        var closed = new List<DenoiserSessionSummary>();
        engine.SessionClosed += s => { lock (closed) { closed.Add(s); } };
        var full = engine.Open(Setup("full"));
        var half = engine.Open(Setup("half"), dtype);
        var latent = Latent(1);

        var reference = await engine.StepWireAsync(full, new DenoiserStep(0, 700f, latent, [0, 1]), Ct).WaitAsync(s_timeout, Ct);
        var rounded = await engine.StepWireAsync(half, new DenoiserStep(0, 700f, latent, [0, 1]), Ct).WaitAsync(s_timeout, Ct);
        engine.Close(full);
        engine.Close(half);

        Assert.All(reference, p => Assert.Equal(WireDType.Float32, p.DType));
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(dtype, rounded[i].DType);
            Assert.Equal(WireTensorCodec.Encode(WireTensorCodec.AsHost(reference[i]), dtype).Data.ToArray(), rounded[i].Data.ToArray());
        }

        var byId = closed.ToDictionary(s => s.SessionId);
        long latentBytes = 4 * 8 * 8 * 4;
        Assert.Equal((WireDType.Float32, latentBytes, 2 * latentBytes), (byId["full"].PredictionDType, byId["full"].LatentBytes, byId["full"].PredictionBytes));
        Assert.Equal((dtype, latentBytes, latentBytes), (byId["half"].PredictionDType, byId["half"].LatentBytes, byId["half"].PredictionBytes));
    }

    [Theory]
    [InlineData(WireDType.Float16)]
    [InlineData(WireDType.BFloat16)]
    public async Task SixteenBitLatent_IsComputedAsItsExactFloat32Values(WireDType dtype)
    {
        using var engine = new DenoiserSessionEngine(_unet);
        var wire = WireTensorCodec.Encode(Latent(2), dtype);
        var widened = WireTensorCodec.Decode(wire);

        var fromWire = await engine.StepAsync(engine.Open(Setup("wire")), new DenoiserStep(0, 300f, wire, [1]), Ct).WaitAsync(s_timeout, Ct);
        var fromHost = await engine.StepAsync(engine.Open(Setup("host")), new DenoiserStep(0, 300f, widened, [1]), Ct).WaitAsync(s_timeout, Ct);

        Assert.Equal(Assert.Single(fromHost).Data, Assert.Single(fromWire).Data);
        Assert.Equal([2L, 4, 8, 8], fromWire[0].Shape);
    }

    [Theory]
    [InlineData(WireDType.Float16, 70000f)] // beyond fp16's range: infinite once on the wire
    [InlineData(WireDType.BFloat16, float.NaN)]
    [InlineData(WireDType.Float32, float.NegativeInfinity)]
    public async Task NonFiniteLatent_InAnyDType_IsRefusedWithTheSameMessage(WireDType dtype, float bad)
    {
        using var engine = new DenoiserSessionEngine(_unet);
        var latent = Latent(1);
        latent.Data[17] = bad;

        var ex = await Assert.ThrowsAsync<RequestValidationException>(
            () => engine.StepAsync(engine.Open(Setup("s")), new DenoiserStep(0, 1f, WireTensorCodec.Encode(latent, dtype), [0]), Ct));

        Assert.Equal("step.latent", ex.Field);
        Assert.Equal("step.latent: contains NaN or infinite values", ex.Message);
    }

    private static DenoiserSessionSetup Setup(string id)
        => new(id, [Conditioning(0), Conditioning(1)]);

    private static PromptConditioning Conditioning(int seed)
        => new(new HostTensor(GaussianNoise.Sample(5 * 32, (ulong)(100 + seed)), [5, 32]), null);

    private static HostTensor Latent(int batch) => new(GaussianNoise.Sample(batch * 4 * 8 * 8, 42), [batch, 4, 8, 8]);
}
