using Chats.Client;
using Chats.Protos.V1;
using Chats.ServiceDefaults;
using Grpc.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Chats.IntegrationTests;

/// <summary>
/// What the SDK puts on the wire and how it treats each answer, against a real gRPC server whose answers the test
/// scripts (<see cref="ScriptedSampler"/>): headers, deadlines, and which failures are retried.
/// </summary>
public sealed class SdkCallTests
{
    private static readonly GenerateRequest s_request = new() { Prompt = "a scripted circle" };

    [Fact]
    public async Task ApiKeyAndClientKey_TravelAsAuthorizationBearerAndXClientKey()
    {
        var ct = TestContext.Current.CancellationToken;
        var sampler = new ScriptedSampler((_, stream, context) => ScriptedSampler.GenerateAsync(stream, context));
        await using var server = await sampler.StartAsync(ct);
        using var keyed = new ChatsClient(server.BoundAddresses()[0], new ChatsClientOptions { ApiKey = "sk-chats-test-1", ClientKey = "team-a" });
        using var anonymous = new ChatsClient(server.BoundAddresses()[0]);

        var result = await keyed.GenerateAsync(s_request, cancellationToken: ct);
        await anonymous.GenerateAsync(s_request, cancellationToken: ct);

        var calls = sampler.Calls.ToArray();
        Assert.Equal(2, calls.Length);
        Assert.Equal("Bearer sk-chats-test-1", calls[0].Headers.GetValue("authorization"));
        Assert.Equal("team-a", calls[0].Headers.GetValue("x-client-key"));
        Assert.Null(calls[1].Headers.GetValue("authorization"));
        Assert.Null(calls[1].Headers.GetValue("x-client-key"));
        Assert.Equal("scripted", result.Arm);
    }

    [Fact]
    public async Task Timeout_IsADeadlineOnEveryCall_EvenWithTheCallersOwnToken()
    {
        var ct = TestContext.Current.CancellationToken;
        // Answers the headers and the first event, then never finishes: only a deadline can end the call.
        var sampler = new ScriptedSampler(async (_, stream, context) =>
        {
            await stream.WriteAsync(new GenerateEvent { Started = new GenerationStarted { GenerationId = "stalled" } });
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
        });
        await using var server = await sampler.StartAsync(ct);
        using var client = new ChatsClient(server.BoundAddresses()[0], new ChatsClientOptions { Timeout = TimeSpan.FromSeconds(1) });
        var before = DateTime.UtcNow;

        var error = await Assert.ThrowsAsync<RpcException>(() => client.GenerateAsync(s_request, cancellationToken: ct));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        var deadline = Assert.Single(sampler.Calls).Deadline;
        Assert.InRange(deadline, before, DateTime.UtcNow + TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task ARefusalBeforeTheStreamStarts_IsRetried_AndTheSecondAttemptGenerates()
    {
        var ct = TestContext.Current.CancellationToken;
        var sampler = new ScriptedSampler((n, stream, context) => n == 0
            ? throw RetryHint.ResourceExhausted("the sampler is running its maximum number of generations", TimeSpan.FromMilliseconds(50))
            : ScriptedSampler.GenerateAsync(stream, context));
        await using var server = await sampler.StartAsync(ct);
        using var client = new ChatsClient(server.BoundAddresses()[0], new ChatsClientOptions { Retry = { InitialBackoff = TimeSpan.FromMilliseconds(50) } });

        var result = await client.GenerateAsync(s_request, cancellationToken: ct);

        Assert.Equal(2, sampler.Calls.Count);
        Assert.Single(result.Images);
    }

    [Fact]
    public async Task AFailureAfterTheStreamStarted_IsNotRetried()
    {
        var ct = TestContext.Current.CancellationToken;
        var sampler = new ScriptedSampler(async (_, stream, _) =>
        {
            await stream.WriteAsync(new GenerateEvent { Started = new GenerationStarted { GenerationId = "half" } });
            throw new RpcException(new Status(StatusCode.Unavailable, "the denoiser went away mid-generation; retry"));
        });
        await using var server = await sampler.StartAsync(ct);
        using var client = new ChatsClient(server.BoundAddresses()[0], new ChatsClientOptions { Retry = { InitialBackoff = TimeSpan.FromMilliseconds(50) } });

        var error = await Assert.ThrowsAsync<RpcException>(() => client.GenerateAsync(s_request, cancellationToken: ct));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Single(sampler.Calls);
    }

    [Fact]
    public async Task InvalidArgument_IsNotRetried()
    {
        var ct = TestContext.Current.CancellationToken;
        var sampler = new ScriptedSampler((_, _, _) => throw new RpcException(new Status(StatusCode.InvalidArgument, "steps: 0 is outside [1, 150]")));
        await using var server = await sampler.StartAsync(ct);
        using var client = new ChatsClient(server.BoundAddresses()[0]);

        var error = await Assert.ThrowsAsync<RpcException>(() => client.GenerateAsync(s_request, cancellationToken: ct));

        Assert.Equal("steps: 0 is outside [1, 150]", error.Status.Detail);
        Assert.Single(sampler.Calls);
    }

    [Fact]
    public void InvalidOptions_AreRefusedByTheConstructor_NamingEachSetting()
    {
        var options = new ChatsClientOptions { ApiKey = "two words", Timeout = TimeSpan.Zero, Retry = { MaxAttempts = 0, RetryableStatusCodes = [] } };

        var error = Assert.Throws<ArgumentException>(() => new ChatsClient(new Uri("http://127.0.0.1:1"), options));

        Assert.Contains("ApiKey: must be printable ASCII without spaces", error.Message, StringComparison.Ordinal);
        Assert.Contains("Timeout: must be positive", error.Message, StringComparison.Ordinal);
        Assert.Contains("Retry:MaxAttempts: must be at least 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddChatsClient_WithoutAnAddress_FailsValidation_NamingAddress()
    {
        var services = new ServiceCollection();
        services.AddChatsClient(o => o.ClientKey = "no-address");
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IChatsClient>());

        Assert.Contains("Address: required", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RetryableStatusCodes_FromConfiguration_ReplaceTheDefaults()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Chats:Address"] = "http://127.0.0.1:5000",
                ["Chats:Retry:MaxAttempts"] = "3",
                ["Chats:Retry:RetryableStatusCodes:0"] = "Unavailable",
            })
            .Build();
        var services = new ServiceCollection();
        services.AddChatsClient(configuration.GetSection("Chats"));
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<ChatsClientOptions>>().Value;
        var policy = Assert.Single(options.CreateServiceConfig().MethodConfigs).RetryPolicy!;

        Assert.Equal(3, policy.MaxAttempts);
        Assert.Equal([StatusCode.Unavailable], policy.RetryableStatusCodes);
        Assert.Equal(new Uri("http://127.0.0.1:5000"), options.Address);
    }
}
