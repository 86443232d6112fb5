using System.Globalization;
using Chats.Client;
using Chats.Protos.V1;
using Chats.ServiceDefaults;
using Grpc.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Chats.IntegrationTests;

/// <summary>
/// The SDK against the real system: the prompt overload, the DI registration, and gRPC retries of a full sampler's
/// RESOURCE_EXHAUSTED and of an unreachable server's UNAVAILABLE.
/// </summary>
[Collection(RunningSystem.Name)]
public sealed class SdkTests(ChatsSystemFixture fixture) : IAsyncDisposable
{
    private readonly TestHosts _hosts = new(fixture);

    [Fact]
    public async Task PromptOverload_GeneratesWhatTheEquivalentRequestGenerates()
    {
        var ct = TestContext.Current.CancellationToken;
        using var sdk = new ChatsClient(fixture.System.Gateway);
        IChatsClient client = sdk;
        var options = new GenerationOptions { Mode = GuidanceMode.Chats, Steps = 3, Width = 32, Height = 32, Seed = 11 };

        var fromPrompt = await client.GenerateAsync("a red circle", options, cancellationToken: ct);
        var fromRequest = await client.GenerateAsync(Requests.Small("a red circle", GuidanceMode.Chats, steps: 3, seed: 11), cancellationToken: ct);

        Assert.Equal(GuidanceMode.Chats, fromPrompt.Started.Mode);
        Assert.Equal((3, 32, 32), (fromPrompt.Started.Steps, fromPrompt.Started.Width, fromPrompt.Started.Height));
        Assert.Equal("explicit", fromPrompt.Arm);
        Assert.Equal(fromRequest.Images[0].Png.ToByteArray(), Assert.Single(fromPrompt.Images).Png.ToByteArray());
    }

    [Fact]
    public async Task PromptOverload_WithoutAMode_LeavesTheModeToTheGatewaysArm()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = new ChatsClient(fixture.System.Gateway, new ChatsClientOptions { ClientKey = "sdk-arm-client" });

        var result = await client.GenerateAsync("a blue square", new GenerationOptions { Steps = 2, Width = 32, Height = 32 }, cancellationToken: ct);

        Assert.NotEqual(GuidanceMode.Unspecified, result.Started.Mode);
        Assert.NotEqual("explicit", result.Arm);
        Assert.NotEmpty(result.Arm);
        Assert.Equal(result.Arm, result.Started.Arm);
    }

    [Fact]
    public async Task AddChatsClient_FromConfiguration_ResolvesIChatsClient_AndGenerates()
    {
        var ct = TestContext.Current.CancellationToken;
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Chats:Address"] = fixture.System.Gateway.ToString(),
                ["Chats:ClientKey"] = "sdk-di-client",
                ["Chats:Timeout"] = "00:05:00",
            })
            .Build();
        var services = new ServiceCollection();
        services.AddChatsClient(configuration.GetSection("Chats"));
        await using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<IChatsClient>();
        var steps = new List<int>();
        var result = await client.GenerateAsync(
            Requests.Small("a green triangle", GuidanceMode.Cfg), new StepRecorder(steps), ct);

        Assert.IsType<ChatsClient>(client);
        Assert.Equal(GuidanceMode.Cfg, result.Started.Mode);
        Assert.Equal([1, 2, 3], steps);
        Assert.NotEmpty(Assert.Single(result.Images).Png);
    }

    [Fact]
    public async Task AFullSamplersRefusal_IsRetried_AndSucceedsOnceASlotFrees_WhileWithoutRetriesItFails()
    {
        var ct = TestContext.Current.CancellationToken;
        var sampler = await _hosts.StartSamplerAsync(ct, new()
        {
            ["Sampler:MaxConcurrentGenerations"] = "1",
            // A generation long enough (999 steps: the tiny model's scheduler takes no more) to hold the one slot for as
            // long as the test needs it; cancelled to free it.
            ["Sampler:MaxSteps"] = "1000",
        });
        var gateway = await _hosts.StartGatewayAsync([sampler.BoundAddresses()[0]], ct);
        var address = gateway.BoundAddresses()[0];
        using var holder = new ChatsClient(address, SdkClients.WithoutRetries());
        using var hold = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var held = holder.StreamAsync(Requests.Small("a long held square", GuidanceMode.Chats, steps: 999), hold.Token).GetAsyncEnumerator(hold.Token);
        while (await held.MoveNextAsync() && held.Current.EventCase != GenerateEvent.EventOneofCase.Progress)
        {
        }

        var request = Requests.Small("a patient circle", GuidanceMode.Chats);
        using var once = new ChatsClient(address, SdkClients.WithoutRetries());
        var refused = await Assert.ThrowsAsync<RpcException>(() => once.GenerateAsync(request, cancellationToken: ct));

        var log = new GrpcRetryLog();
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(log).SetMinimumLevel(LogLevel.Debug));
        // The gateway's pushback (1 s) sets the wait; five attempts leave four seconds for the slot to free.
        services.AddChatsClient(o =>
        {
            o.Address = address;
            o.Retry.MaxAttempts = 5;
        });
        await using var provider = services.BuildServiceProvider();
        var generating = provider.GetRequiredService<IChatsClient>().GenerateAsync(request, cancellationToken: ct);
        await log.RetryingAsync(StatusCode.ResourceExhausted, ct).WaitAsync(TimeSpan.FromMinutes(1), ct);
        await hold.CancelAsync();
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            while (await held.MoveNextAsync())
            {
            }
        });
        await held.DisposeAsync();
        var result = await generating;

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Equal("1000", refused.Trailers.GetValue(RetryHint.TrailerKey));
        Assert.NotEmpty(Assert.Single(result.Images).Png);
        Assert.Contains((StatusCode.ResourceExhausted, true), log.Evaluations);
    }

    [Fact]
    public async Task NoServerOnThePortYet_IsRetriedOnUnavailable_UntilOneListens()
    {
        var ct = TestContext.Current.CancellationToken;
        int port = GatewayFailoverTests.FreePort();
        var address = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/"));
        var request = Requests.Small("a late circle", GuidanceMode.Chats, steps: 2);
        using var once = new ChatsClient(address, SdkClients.WithoutRetries());
        var unreachable = await Assert.ThrowsAsync<RpcException>(() => once.GenerateAsync(request, cancellationToken: ct));

        var log = new GrpcRetryLog();
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(log).SetMinimumLevel(LogLevel.Debug));
        // Waits of up to 0.2, 0.4, 0.8, 1.6, 2, 2, 2 s between eight attempts; the channel reconnects on the same
        // backoff, so one of the later attempts finds the server that starts after the first failure.
        services.AddChatsClient(o =>
        {
            o.Address = address;
            o.Retry.MaxAttempts = 8;
            o.Retry.InitialBackoff = TimeSpan.FromMilliseconds(200);
            o.Retry.MaxBackoff = TimeSpan.FromSeconds(2);
        });
        await using var provider = services.BuildServiceProvider();
        var generating = provider.GetRequiredService<IChatsClient>().GenerateAsync(request, cancellationToken: ct);
        await log.RetryingAsync(StatusCode.Unavailable, ct).WaitAsync(TimeSpan.FromMinutes(1), ct);
        // The server arrives: a relay on that port to the running system's sampler.
        await using var relay = new TcpRelay(fixture.System.Services["sampler"].Grpc, port);
        var result = await generating;

        Assert.Equal(StatusCode.Unavailable, unreachable.StatusCode);
        Assert.NotEmpty(Assert.Single(result.Images).Png);
        Assert.Contains((StatusCode.Unavailable, true), log.Evaluations);
        Assert.True(relay.Accepted >= 1, "the generation did not go through the server that started late");
    }

    [Fact]
    public async Task TheSampleApp_GeneratesThroughTheGateway_PrintsTheArm_AndWritesThePng()
    {
        var ct = TestContext.Current.CancellationToken;
        // Built next to this assembly's configuration (the test project references it for the build order only).
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string configuration = testOutput.Parent!.Name;
        string repo = testOutput.Parent.Parent!.Parent!.Parent!.Parent!.FullName;
        string sample = Path.Combine(repo, "samples", "Chats.Client.Sample", "bin", configuration, testOutput.Name);
        string png = Path.Combine(Path.GetTempPath(), "chats-sample-" + Guid.NewGuid().ToString("N") + ".png");
        try
        {
            // Run from its own folder, as `dotnet run` would: its appsettings.json applies, the command line overrides.
            var run = await ProcessRun.DotnetCliAsync(sample,
                ["Chats.Client.Sample.dll", "--Chats:Address", fixture.System.Gateway.ToString(), "--Prompt", "a sampled circle", "--Out", png],
                TimeSpan.FromMinutes(5), ct);

            Assert.True(run.ExitCode == 0, run.StandardOutput + run.StandardError);
            Assert.Matches(@"^arm \S+, mode \w+, \d+ steps, seed 7: wrote ", run.StandardOutput);
            Assert.Equal([0x89, 0x50, 0x4E, 0x47], (await File.ReadAllBytesAsync(png, ct))[..4]);
        }
        finally
        {
            File.Delete(png);
        }
    }

    public ValueTask DisposeAsync() => _hosts.DisposeAsync();

    // Progress<T> posts to the thread pool; this one records on the caller's thread, so the list is whole when the call returns.
    private sealed class StepRecorder(List<int> steps) : IProgress<GenerationProgress>
    {
        public void Report(GenerationProgress value) => steps.Add(value.Step);
    }
}
