using Chats.Core.Sampling;
using Chats.Inference.Local;
using Chats.Inference.Roles;
using Chats.Inference.Tensors;
using Chats.LocalSystem;
using Chats.Protos.V1;
using Microsoft.Extensions.DependencyInjection;
using static TorchSharp.torch;

namespace Chats.IntegrationTests;

/// <summary>
/// Services started in reduced precision serve generations end to end through the gateway: the wire stays fp32,
/// only the roles' weights and activations change dtype.
/// </summary>
[Collection(RunningSystem.Name)]
public sealed class ReducedPrecisionSystemTests(ChatsSystemFixture fixture)
{
    private static readonly string[] s_denoisers = ["preferred", "dispreferred", "standard"];

    [Fact]
    public async Task DenoisersStartedWithFloat16_ServeAGeneration_CloseToButNotTheFloat32Image()
    {
        var ct = TestContext.Current.CancellationToken;
        var float16 = new Dictionary<string, string?> { ["Denoiser:DType"] = "float16" };
        await using var system = await LocalChatsSystem.StartAsync(new LocalSystemOptions
        {
            ModelPath = fixture.ModelPath,
            Overrides = s_denoisers.ToDictionary(r => r, IReadOnlyDictionary<string, string?> (_) => float16),
        }, ct);
        using var client = new Client.ChatsClient(system.Gateway);
        using var fp32 = fixture.GatewayClient();
        var request = Requests.Small("a large red triangle", GuidanceMode.Chats, steps: 3, seed: 11);

        var half = await client.GenerateAsync(request, cancellationToken: ct);
        var full = await fp32.GenerateAsync(request, cancellationToken: ct);

        foreach (string role in s_denoisers.Where(system.Services.ContainsKey))
        {
            var model = Assert.IsType<UNetDenoiserModel>(system.Services[role].App.Services.GetRequiredService<IDenoiserModel>());
            Assert.Equal(ScalarType.Float16, model.Placement.DType);
        }

        byte[] a = Rgb(Assert.Single(half.Images).Png.ToByteArray()), b = Rgb(Assert.Single(full.Images).Png.ToByteArray());
        double meanAbs = a.Zip(b, (x, y) => Math.Abs(x - y)).Average();
        Assert.NotEqual(b, a);
        Assert.True(meanAbs <= 2.0, $"float16 denoisers: mean 8-bit pixel difference from float32 {meanAbs:F3} > 2");
    }

    [Fact]
    public async Task SystemInBFloat16_GivesTheImageOfTheInProcessPipelineInBFloat16()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var system = await LocalChatsSystem.StartAsync(new LocalSystemOptions { ModelPath = fixture.ModelPath, DType = "bfloat16" }, ct);
        using var client = new Client.ChatsClient(system.Gateway);
        using var local = LocalPipeline.Open(fixture.ModelPath, placement: TorchPlacement.Parse("cpu", "bfloat16"));

        var viaServices = await client.GenerateAsync(Requests.Small("a small blue circle", GuidanceMode.Chats, steps: 3, seed: 12), cancellationToken: ct);
        var inProcess = await local.GenerateAsync(
            new GenerationRequestInput("a small blue circle", string.Empty, 32, 32, 3, 12, null, null, Core.Guidance.GuidanceMode.Chats, null, 1), ct);

        Assert.Equal(inProcess[0].Png, viaServices.Images[0].Png.ToByteArray());
    }

    private static byte[] Rgb(byte[] png) => Chats.Training.Data.RgbImageDecoder.Decode(png).Rgb;
}
