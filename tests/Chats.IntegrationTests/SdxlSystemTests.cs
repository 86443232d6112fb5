using Chats.Core.Imaging;
using Chats.Core.Tests;
using Chats.LocalSystem;
using Chats.Protos.V1;
using Grpc.Core;

namespace Chats.IntegrationTests;

/// <summary>
/// SDXL-style pipelines through every service: two text encoders (hidden states concatenated), the pooled
/// embedding and the time ids cross the protocol to each UNet. Uses the reference fixture folders.
/// </summary>
[Collection(RunningSystem.Name)]
public sealed class SdxlSystemTests
{
    [Fact]
    public async Task ChatsSdxlPipeline_ServesChatsChatsFullAndCfg_ThroughTheGateway()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var system = await LocalChatsSystem.StartAsync(new LocalSystemOptions { ModelPath = FixturePaths.Combine("tiny-chats-sdxl") }, ct);
        using var client = new Client.ChatsClient(system.Gateway);

        foreach (var mode in new[] { GuidanceMode.Chats, GuidanceMode.ChatsFull, GuidanceMode.Cfg })
        {
            var request = Requests.Small("a serene mountain lake at sunset", mode, steps: 3);
            request.Width = 64;
            request.Height = 48;
            var result = await client.GenerateAsync(request, cancellationToken: ct);

            Assert.Equal(mode, result.Started.Mode);
            Assert.Equal((64, 48), PngEncoder.ReadSize(Assert.Single(result.Images).Png.Span));
        }
    }

    [Fact]
    public async Task SdxlPipelineWithOnlyAStandardUnet_ServesCfg_AndRefusesChatsNamingTheMode()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var system = await LocalChatsSystem.StartAsync(new LocalSystemOptions { ModelPath = FixturePaths.Combine("tiny-sdxl") }, ct);
        using var client = new Client.ChatsClient(system.Gateway);
        var cfg = Requests.Small("a photo of an astronaut riding a horse on mars", GuidanceMode.Cfg, steps: 2);
        cfg.Width = 64;
        cfg.Height = 64;

        var result = await client.GenerateAsync(cfg, cancellationToken: ct);
        var chats = cfg.Clone();
        chats.Mode = GuidanceMode.Chats;
        var error = await Assert.ThrowsAsync<RpcException>(() => client.GenerateAsync(chats, cancellationToken: ct));

        Assert.Single(result.Images);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith("mode:", error.Status.Detail, StringComparison.Ordinal);
    }
}
