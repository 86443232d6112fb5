using Chats.Core.Imaging;
using Chats.Protos.V1;

namespace Chats.IntegrationTests;

[Collection(RunningSystem.Name)]
public sealed class GenerationTests(ChatsSystemFixture fixture)
{
    [Fact]
    public async Task ChatsRequest_ThroughGateway_ReturnsPngOfRequestedSize()
    {
        using var client = fixture.GatewayClient();
        var request = Requests.Small("a red circle", GuidanceMode.Chats);
        request.Width = 48;
        request.Height = 32;
        var progress = new List<GenerationProgress>();

        var result = await client.GenerateAsync(request, new SynchronousProgress<GenerationProgress>(progress.Add), TestContext.Current.CancellationToken);

        var image = Assert.Single(result.Images);
        Assert.Equal((48, 32), PngEncoder.ReadSize(image.Png.Span));
        Assert.Equal(GuidanceMode.Chats, result.Started.Mode);
        Assert.Equal([1, 2, 3], progress.Select(p => p.Step));
        Assert.Equal("explicit", result.Arm);
    }

    [Fact]
    public async Task ChatsRequest_EachDenoiserSawExactlyStepsMessages()
    {
        using var client = fixture.GatewayClient();
        var result = await client.GenerateAsync(Requests.Small("two yellow stars", GuidanceMode.Chats, steps: 5), cancellationToken: TestContext.Current.CancellationToken);

        string id = result.Started.GenerationId;
        var preferred = fixture.Activity("preferred").Sessions[$"{id}/preferred"];
        var dispreferred = fixture.Activity("dispreferred").Sessions[$"{id}/dispreferred"];
        Assert.Equal(5, preferred.Steps);
        Assert.Equal(5, dispreferred.Steps);
        // The proxy mode sends one conditioning to each side: c to θ+, c̃ to θ−.
        Assert.Equal(1, preferred.Conditionings);
        Assert.Equal(1, dispreferred.Conditionings);
    }

    [Fact]
    public async Task ChatsFull_SendsBothConditioningsToDispreferred()
    {
        using var client = fixture.GatewayClient();
        var result = await client.GenerateAsync(Requests.Small("a blue square", GuidanceMode.ChatsFull, steps: 4), cancellationToken: TestContext.Current.CancellationToken);

        string id = result.Started.GenerationId;
        var dispreferred = fixture.Activity("dispreferred").Sessions[$"{id}/dispreferred"];
        var preferred = fixture.Activity("preferred").Sessions[$"{id}/preferred"];
        Assert.Equal(2, dispreferred.Conditionings);
        Assert.Equal(4, dispreferred.Steps);
        Assert.Equal(8, dispreferred.Predictions);
        Assert.Equal(1, preferred.Conditionings);
        Assert.Equal(4, preferred.Predictions);
    }

    [Fact]
    public async Task CfgRequest_NeverTouchesDispreferredService()
    {
        using var client = fixture.GatewayClient();
        int before = fixture.Activity("dispreferred").Sessions.Count;

        var result = await client.GenerateAsync(Requests.Small("a green triangle", GuidanceMode.Cfg, steps: 3), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(before, fixture.Activity("dispreferred").Sessions.Count);
        Assert.DoesNotContain(fixture.Activity("dispreferred").Sessions.Keys, k => k.StartsWith(result.Started.GenerationId, StringComparison.Ordinal));
        var standard = fixture.Activity("standard").Sessions[$"{result.Started.GenerationId}/standard"];
        Assert.Equal(2, standard.Conditionings);
        Assert.Equal(3, standard.Steps);
    }

    [Fact]
    public async Task SameSeedAndRequest_GiveByteIdenticalPng_AndAnotherSeedDiffers()
    {
        using var client = fixture.GatewayClient();
        var ct = TestContext.Current.CancellationToken;
        var first = await client.GenerateAsync(Requests.Small("a purple triangle", GuidanceMode.Chats, seed: 42), cancellationToken: ct);
        var second = await client.GenerateAsync(Requests.Small("a purple triangle", GuidanceMode.Chats, seed: 42), cancellationToken: ct);
        var other = await client.GenerateAsync(Requests.Small("a purple triangle", GuidanceMode.Chats, seed: 43), cancellationToken: ct);

        Assert.Equal(first.Images[0].Png.ToByteArray(), second.Images[0].Png.ToByteArray());
        Assert.NotEqual(first.Images[0].Png.ToByteArray(), other.Images[0].Png.ToByteArray());
    }

    [Fact]
    public async Task BatchOfImages_ImageKEqualsSingleRequestWithSeedPlusK()
    {
        using var client = fixture.GatewayClient();
        var ct = TestContext.Current.CancellationToken;
        var batch = Requests.Small("an orange star", GuidanceMode.Chats, seed: 100);
        batch.NumImages = 2;
        var both = await client.GenerateAsync(batch, cancellationToken: ct);
        var single = await client.GenerateAsync(Requests.Small("an orange star", GuidanceMode.Chats, seed: 101), cancellationToken: ct);

        Assert.Equal(2, both.Images.Count);
        Assert.Equal(101UL, both.Images[1].Seed);
        Assert.Equal(single.Images[0].Png.ToByteArray(), both.Images[1].Png.ToByteArray());
    }

    [Fact]
    public async Task InProcessPipeline_AndTheServices_GiveByteIdenticalImages()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = fixture.GatewayClient();
        var viaServices = await client.GenerateAsync(Requests.Small("a large red triangle", GuidanceMode.Chats, steps: 4, seed: 9), cancellationToken: ct);
        using var local = Chats.Inference.Local.LocalPipeline.Open(fixture.ModelPath);

        var inProcess = await local.GenerateAsync(
            new Core.Sampling.GenerationRequestInput("a large red triangle", string.Empty, 32, 32, 4, 9, null, null, Core.Guidance.GuidanceMode.Chats, null, 1), ct);

        Assert.Equal(viaServices.Images[0].Png.ToByteArray(), inProcess[0].Png);
    }

    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
