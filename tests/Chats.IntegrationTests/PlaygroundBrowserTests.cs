using System.Security.Cryptography;
using Chats.Core.Imaging;
using Chats.Protos.V1;

namespace Chats.IntegrationTests;

/// <summary>
/// The playground in a real browser: headless chromium opens the page the gateway serves on its HTTP API port,
/// generates CFG and CHATS side by side through <c>POST /v1/generations:stream</c>, and shows both.
/// </summary>
[Collection(RunningSystem.Name)]
public sealed class PlaygroundBrowserTests(ChatsSystemFixture fixture)
{
    private const string Prompt = "a red circle and a blue square";
    private const ulong Seed = 11;
    private const int Steps = 4;
    // Not square, so a swapped width and height shows.
    private const int Width = 48;
    private const int Height = 32;

    [Fact]
    public async Task Playground_InChromium_ShowsCfgAndChatsFromOneSeed_WithLiveProgress()
    {
        var ct = TestContext.Current.CancellationToken;
        var browser = PlaygroundBrowser.Locate();
        // The system's own gateway: its HTTP API port (Gateway:HttpApiPort 0) serves the page and the stream endpoint.
        var page = fixture.System.HttpApi ?? throw new InvalidOperationException("the running system's gateway has no HTTP API port");
        string screenshot = Path.Combine(Path.GetTempPath(), $"chats-playground-{Guid.NewGuid():N}.png");
        try
        {
            var run = await browser.RunAsync(page, screenshot, Prompt, Seed, Steps, $"{Width}x{Height}", TimeSpan.FromMinutes(4), ct);

            Assert.True(run.ExitCode == 0, $"playground.mjs exited {run.ExitCode}: {run.Output}");
            var cfg = run.Side("cfg");
            var chats = run.Side("chats");
            foreach (var (side, mode) in new[] { (cfg, "cfg"), (chats, "chats") })
            {
                Assert.Equal("done", side.GetProperty("state").GetString());
                Assert.Equal(mode, side.GetProperty("mode").GetString());
                Assert.Equal("explicit", side.GetProperty("arm").GetString());
                Assert.False(string.IsNullOrEmpty(side.GetProperty("generationId").GetString()));
                // Decoded by the browser at the size the form asked for.
                Assert.Equal(Width, side.GetProperty("naturalWidth").GetInt32());
                Assert.Equal(Height, side.GetProperty("naturalHeight").GetInt32());
                // One progress event per step reached the page, and it displayed them as they came.
                Assert.Equal(Steps, side.GetProperty("progressEvents").GetInt32());
                var stepTexts = side.GetProperty("stepTextsSeen").EnumerateArray().Select(t => t.GetString()).ToList();
                Assert.Equal($"step {Steps}/{Steps}", stepTexts[^1]);
                Assert.Contains($"step 1/{Steps}", stepTexts);
                Assert.Equal(Seed.ToString(System.Globalization.CultureInfo.InvariantCulture), side.GetProperty("seed").GetString());
            }

            Assert.NotEqual(cfg.GetProperty("pngSha256").GetString(), chats.GetProperty("pngSha256").GetString());
            Assert.True(run.Summary!.Value.GetProperty("differingChannelFraction").GetDouble() > 0, "the CFG and CHATS images decode to the same pixels");
            Assert.Empty(run.Summary.Value.GetProperty("pageErrors").EnumerateArray());

            // The page sent what the form said: the same request over gRPC gives the very PNG the browser showed.
            using var client = fixture.GatewayClient();
            foreach (var (side, mode) in new[] { (cfg, GuidanceMode.Cfg), (chats, GuidanceMode.Chats) })
            {
                var result = await client.GenerateAsync(
                    new GenerateRequest { Prompt = Prompt, Mode = mode, Steps = Steps, Seed = Seed, Width = Width, Height = Height }, cancellationToken: ct);
                var png = Assert.Single(result.Images).Png.Span;
                Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(png)), side.GetProperty("pngSha256").GetString());
            }

            Assert.True(PngEncoder.ReadSize(File.ReadAllBytes(screenshot)) is ( > 0, > 0), "the screenshot is not a PNG");
        }
        finally
        {
            File.Delete(screenshot);
        }
    }
}
