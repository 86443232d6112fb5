using Chats.Core.Imaging;
using Chats.Core.Sampling;
using Chats.Core.Tests;
using Chats.Inference.Engine;
using Chats.Inference.Local;
using Chats.LocalSystem;
using Chats.Protos.V1;
using Chats.Tools;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Chats.IntegrationTests;

/// <summary>
/// The SD3 family (MMDiT transformers, rectified flow, 16-channel VAE with shift) through every service: the text
/// encoder's CLIP-L ⊕ CLIP-G layout, named conditioning tensors on the wire, transformer roles in the denoiser binary,
/// the flow-match scheduler in the sampler, the shifted decode. The pipelines are the reference fixtures' transformers
/// and VAE with tiny text encoders the project builds (<see cref="TinyPipelineBuilder.CreateSd3(string, string, long)"/>).
/// </summary>
[Collection(RunningSystem.Name)]
public sealed class Sd3SystemTests
{
    private static readonly Lazy<string> s_chats = new(() => Build("tiny-chats-sd3"));
    private static readonly Lazy<string> s_standard = new(() => Build("tiny-sd3"));

    [Fact]
    public async Task ChatsSd3Pipeline_ServesChatsChatsFullAndCfg_AndEachImageEqualsTheInProcessPipelines()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var system = await LocalChatsSystem.StartAsync(new LocalSystemOptions { ModelPath = s_chats.Value }, ct);
        using var client = new Client.ChatsClient(system.Gateway);
        using var local = LocalPipeline.Open(s_chats.Value);

        var pngs = new Dictionary<GuidanceMode, byte[]>();
        foreach (var mode in new[] { GuidanceMode.Chats, GuidanceMode.ChatsFull, GuidanceMode.Cfg })
        {
            var request = Requests.Small("a red circle", mode, steps: 4);
            request.Width = 40;
            request.Height = 24;
            var result = await client.GenerateAsync(request, cancellationToken: ct);
            byte[] png = Assert.Single(result.Images).Png.ToByteArray();
            var expected = Assert.Single(await local.GenerateAsync(
                new GenerationRequestInput("a red circle", string.Empty, 40, 24, 4, 7, null, null, ToCore(mode), null, 1), ct));

            Assert.Equal(mode, result.Started.Mode);
            Assert.Equal((40, 24), PngEncoder.ReadSize(png));
            // The wire (named tensors, fp32) adds nothing to the in-process computation.
            Assert.Equal(expected.Png, png);
            pngs[mode] = png;
        }

        Assert.NotEqual(pngs[GuidanceMode.Chats], pngs[GuidanceMode.Cfg]);
        Assert.NotEqual(pngs[GuidanceMode.Chats], pngs[GuidanceMode.ChatsFull]);
    }

    [Fact]
    public async Task Sd3Denoisers_DescribeTheirFamily_AndTheSamplerSizesRequestsByPatchAndPositionGrid()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var system = await LocalChatsSystem.StartAsync(new LocalSystemOptions { ModelPath = s_chats.Value }, ct);
        using var channel = GrpcChannel.ForAddress(system.Services["preferred"].Grpc);
        var info = await new Protos.V1.Denoiser.DenoiserClient(channel).GetInfoAsync(new DenoiserInfoRequest(), cancellationToken: ct);
        using var client = new Client.ChatsClient(system.Gateway);

        var odd = Requests.Small("a red circle", GuidanceMode.Chats, steps: 1);
        odd.Width = 34; // a multiple of the VAE's factor 2, not of 2 × patch size 2
        var huge = Requests.Small("a red circle", GuidanceMode.Chats, steps: 1);
        huge.Height = 132; // the 32-patch position grid covers 64 latent cells = 128 pixels
        var oddError = await Assert.ThrowsAsync<RpcException>(() => client.GenerateAsync(odd, cancellationToken: ct));
        var hugeError = await Assert.ThrowsAsync<RpcException>(() => client.GenerateAsync(huge, cancellationToken: ct));
        var largest = Requests.Small("a red circle", GuidanceMode.Chats, steps: 1);
        largest.Height = 128;
        var ok = await client.GenerateAsync(largest, cancellationToken: ct);

        Assert.Equal("SD3Transformer2DModel", info.ModelClass);
        Assert.Equal("transformer_win", info.Component);
        Assert.Equal(["pooled_prompt_embeds", "prompt_embeds"], info.ConditioningNames.Order(StringComparer.Ordinal));
        Assert.Equal((16, 2, 64, "flow"), (info.LatentChannels, info.PatchSize, info.MaxLatentSide, info.PredictionType));
        Assert.Equal(StatusCode.InvalidArgument, oddError.StatusCode);
        Assert.Equal("width: 34 is not a multiple of the model's spatial factor 2 × patch size 2", oddError.Status.Detail);
        Assert.Equal(StatusCode.InvalidArgument, hugeError.StatusCode);
        Assert.StartsWith("height: 132 exceeds this model's largest side 128", hugeError.Status.Detail, StringComparison.Ordinal);
        Assert.Equal((32, 128), PngEncoder.ReadSize(Assert.Single(ok.Images).Png.Span));
    }

    [Fact]
    public async Task Sd3PipelineWithOnlyAStandardTransformer_ServesCfg_AndRefusesChatsNamingTheMode()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var system = await LocalChatsSystem.StartAsync(new LocalSystemOptions { ModelPath = s_standard.Value }, ct);
        using var client = new Client.ChatsClient(system.Gateway);
        var cfg = Requests.Small("a blue square", GuidanceMode.Cfg, steps: 3);

        var result = await client.GenerateAsync(cfg, cancellationToken: ct);
        var chats = cfg.Clone();
        chats.Mode = GuidanceMode.Chats;
        var error = await Assert.ThrowsAsync<RpcException>(() => client.GenerateAsync(chats, cancellationToken: ct));

        Assert.Equal((32, 32), PngEncoder.ReadSize(Assert.Single(result.Images).Png.Span));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith("mode:", error.Status.Detail, StringComparison.Ordinal);
        Assert.True(system.Services.ContainsKey("standard"));
        Assert.False(system.Services.ContainsKey("preferred"));
    }

    [Fact]
    public async Task ConcurrentSd3Generations_ShareTransformerForwards_InTheStepBatcher()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var system = await LocalChatsSystem.StartAsync(new LocalSystemOptions { ModelPath = s_chats.Value }, ct);
        var engine = system.Services["preferred"].App.Services.GetRequiredService<DenoiserSessionEngine>();
        var batches = new List<DenoiserBatchStats>();
        engine.BatchExecuted += s =>
        {
            lock (batches)
            {
                batches.Add(s);
            }
        };
        using var client = new Client.ChatsClient(system.Gateway);

        const int Generations = 4, Steps = 6;
        var results = await Task.WhenAll(Enumerable.Range(0, Generations).Select(k =>
            client.GenerateAsync(Requests.Small("a green triangle", GuidanceMode.Chats, steps: Steps, seed: (ulong)k), cancellationToken: ct)));

        Assert.All(results, r => Assert.Single(r.Images));
        lock (batches)
        {
            Assert.Equal(Generations * Steps, batches.Sum(b => b.Steps));
            // Sessions that meet share a forward: fewer forwards than steps, some with more than one session's step.
            Assert.True(batches.Count < Generations * Steps, $"{batches.Count} forwards for {Generations * Steps} steps");
            Assert.Contains(batches, b => b.Steps > 1);
        }
    }

    private static Core.Guidance.GuidanceMode ToCore(GuidanceMode mode) => mode switch
    {
        GuidanceMode.Cfg => Core.Guidance.GuidanceMode.Cfg,
        GuidanceMode.ChatsFull => Core.Guidance.GuidanceMode.ChatsFull,
        _ => Core.Guidance.GuidanceMode.Chats,
    };

    private static string Build(string fixture)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"chats-{fixture}-{Environment.ProcessId}");
        TinyPipelineBuilder.CreateSd3(dir, FixturePaths.CombineSd3(fixture));
        return dir;
    }
}
