using Chats.Core.Tensors;
using Chats.Inference.Engine;
using Chats.Inference.Local;
using Chats.LocalSystem;
using Chats.Protos.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Chats.IntegrationTests;

/// <summary>
/// <c>Sampler:WireDtype</c> through the real services, on the shipped lab model (shapes-chats, with shapes-standard's
/// unet as the CFG arm): an fp32 wire gives the in-process images byte for byte; a 16-bit wire halves the bytes of
/// every step both ways (the denoisers really got 16-bit latents and answered in 16 bits) and moves the images by at
/// most the bound measured for the README.
/// </summary>
[Collection(RunningSystem.Name)]
public sealed class WireDTypeSystemTests
{
    private const int Steps = 20;
    private static readonly string[] s_prompts = ["a red circle", "a blue square", "a green triangle"];
    private static readonly ulong[] s_seeds = [0, 1];
    private static readonly GuidanceMode[] s_modes = [GuidanceMode.Chats, GuidanceMode.Cfg];
    private static readonly string[] s_denoisers = ["preferred", "dispreferred", "standard"];

    // 16×16×4 latents of shapes-chats, in fp32.
    private const long Float32LatentBytes = 16 * 16 * 4 * 4;

    private static readonly Lazy<string> s_models = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Chats.Microservices.sln")))
            {
                return Path.Combine(dir.FullName, "models");
            }
        }

        throw new DirectoryNotFoundException("the repository root was not found above " + AppContext.BaseDirectory);
    });

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Float32Wire_GivesTheInProcessImagesByteForByte()
    {
        var inProcess = await InProcessAsync();
        var (images, sessions) = await ThroughTheServicesAsync("float32");

        Assert.Equal(inProcess.Count, images.Count);
        for (int i = 0; i < images.Count; i++)
        {
            Assert.Equal(inProcess[i], images[i]);
        }

        Assert.All(sessions, s => Assert.Equal((WireDType.Float32, s.Steps * Float32LatentBytes, s.Predictions * Float32LatentBytes), (s.PredictionDType, s.LatentBytes, s.PredictionBytes)));
    }

    [Theory]
    // Over the 12 images (3 prompts × 2 seeds × CHATS and CFG, 20 steps) this measured, against the fp32 images: fp16
    // largest 8-bit difference 6, 639 of 49,152 pixels differ (1.3 %); bf16 45 and 3,491 (7.1 %) (README, "Wire path").
    // The bounds leave some headroom for another CPU's kernels, not room for a different image.
    [InlineData("float16", WireDType.Float16, 8, 0.03)]
    [InlineData("bfloat16", WireDType.BFloat16, 64, 0.12)]
    public async Task SixteenBitWire_HalvesEveryStepsBytes_AndMovesTheImagesByAtMostTheMeasuredBound(
        string name, WireDType dtype, int maxDifference, double maxDifferingShare)
    {
        var inProcess = await InProcessAsync();
        var (images, sessions) = await ThroughTheServicesAsync(name);

        int largest = 0;
        long differing = 0, total = 0;
        for (int i = 0; i < images.Count; i++)
        {
            byte[] a = Rgb(inProcess[i]), b = Rgb(images[i]);
            Assert.Equal(a.Length, b.Length);
            for (int pixel = 0; pixel < a.Length; pixel += 3)
            {
                int d = Math.Max(Math.Abs(a[pixel] - b[pixel]), Math.Max(Math.Abs(a[pixel + 1] - b[pixel + 1]), Math.Abs(a[pixel + 2] - b[pixel + 2])));
                largest = Math.Max(largest, d);
                differing += d > 0 ? 1 : 0;
            }

            total += a.Length / 3;
        }

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{name} wire: largest 8-bit difference {largest}, {differing} of {total} pixels differ ({100.0 * differing / total:F2} %)");
        Assert.NotEqual(0, differing);
        Assert.True(largest <= maxDifference, $"{name} wire: largest 8-bit difference from fp32 {largest} > {maxDifference}");
        Assert.True(differing <= maxDifferingShare * total, $"{name} wire: {differing} of {total} pixels differ from fp32, more than {maxDifferingShare:P0}");
        Assert.NotEmpty(sessions);
        Assert.All(sessions, s => Assert.Equal((dtype, s.Steps * Float32LatentBytes / 2, s.Predictions * Float32LatentBytes / 2), (s.PredictionDType, s.LatentBytes, s.PredictionBytes)));
    }

    private static IEnumerable<(string Prompt, ulong Seed, GuidanceMode Mode)> Cases()
        => from prompt in s_prompts from seed in s_seeds from mode in s_modes select (prompt, seed, mode);

    private static async Task<List<byte[]>> InProcessAsync()
    {
        using var local = LocalPipeline.Open(Path.Combine(s_models.Value, "shapes-chats"), standardModelPath: Path.Combine(s_models.Value, "shapes-standard"));
        var images = new List<byte[]>();
        foreach (var (prompt, seed, mode) in Cases())
        {
            var core = mode == GuidanceMode.Chats ? Core.Guidance.GuidanceMode.Chats : Core.Guidance.GuidanceMode.Cfg;
            var result = await local.GenerateAsync(new Core.Sampling.GenerationRequestInput(prompt, string.Empty, 0, 0, Steps, seed, null, null, core, null, 1), Ct);
            images.Add(result[0].Png);
        }

        return images;
    }

    private static async Task<(List<byte[]> Images, List<DenoiserSessionSummary> Sessions)> ThroughTheServicesAsync(string wireDtype)
    {
        await using var system = await LocalChatsSystem.StartAsync(new LocalSystemOptions
        {
            ModelPath = Path.Combine(s_models.Value, "shapes-chats"),
            StandardModelPath = Path.Combine(s_models.Value, "shapes-standard"),
            Overrides = new Dictionary<string, IReadOnlyDictionary<string, string?>>
            {
                ["sampler"] = new Dictionary<string, string?> { ["Sampler:WireDtype"] = wireDtype },
            },
        }, Ct);
        var log = new DenoiserSessionLog();
        foreach (string role in s_denoisers.Where(system.Services.ContainsKey))
        {
            system.Services[role].App.Services.GetRequiredService<DenoiserSessionEngine>().SessionClosed += log.Record;
        }

        using var client = new Client.ChatsClient(system.Gateway);
        var images = new List<byte[]>();
        var ids = new List<string>();
        foreach (var (prompt, seed, mode) in Cases())
        {
            var result = await client.GenerateAsync(new GenerateRequest { Prompt = prompt, Seed = seed, Mode = mode, Steps = Steps }, cancellationToken: Ct);
            images.Add(Assert.Single(result.Images).Png.ToByteArray());
            ids.Add(result.Started.GenerationId);
        }

        // Every generation's sessions: θ+ and θ− for CHATS, the standard denoiser for CFG.
        var sessions = log.Sessions.Values.Where(s => ids.Any(id => s.SessionId.StartsWith(id + "/", StringComparison.Ordinal))).ToList();
        Assert.Equal(Cases().Sum(c => c.Mode == GuidanceMode.Chats ? 2 : 1), sessions.Count);
        return (images, sessions);
    }

    private static byte[] Rgb(byte[] png) => Chats.Training.Data.RgbImageDecoder.Decode(png).Rgb;
}
