using Chats.Client;
using Chats.Protos.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace Chats.IntegrationTests;

/// <summary>The arm a request sent straight to the sampler reports, and client deadlines counted as DEADLINE_EXCEEDED.</summary>
[Collection(RunningSystem.Name)]
public sealed class StatusEdgeTests(ChatsSystemFixture fixture)
{
    [Fact]
    public async Task RequestStraightToTheSampler_WithoutAMode_ReportsTheDefaultArm_AndWithAModeExplicit()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = new ChatsClient(fixture.System.Services["sampler"].Grpc);

        var unnamed = await client.GenerateAsync(Requests.Small("a red circle", GuidanceMode.Unspecified, steps: 1), cancellationToken: ct);
        var named = await client.GenerateAsync(Requests.Small("a red circle", GuidanceMode.Cfg, steps: 1), cancellationToken: ct);

        Assert.Equal("default", unnamed.Arm);
        Assert.Equal("default", unnamed.Started.Arm);
        Assert.Equal(GuidanceMode.Chats, unnamed.Started.Mode);
        Assert.Equal("explicit", named.Arm);
        Assert.Equal(string.Empty, named.Started.Arm);
    }

    [Fact]
    public async Task ClientDeadlines_ThroughTheSamplerAndTheGateway_AreCountedAsDeadlineExceeded_NeverCancelled()
    {
        var ct = TestContext.Current.CancellationToken;
        string exceeded = MetricsScrape.Requests("chats.v1.Sampler", "Generate", "DeadlineExceeded");
        string cancelled = MetricsScrape.Requests("chats.v1.Sampler", "Generate", "Cancelled");
        // Long enough that every call reaches the sampler on a loaded machine (one that never arrives is not the
        // sampler's to count), short enough that none finishes.
        int[] deadlines = [150, 200, 300, 450, 600];
        var channels = new[] { fixture.System.Services["sampler"].Grpc, fixture.System.Gateway }.Select(a => GrpcChannel.ForAddress(a)).ToList();
        // A call whose deadline passes before it reaches the sampler (a cold connection) is never the sampler's to count.
        foreach (var channel in channels)
        {
            using var call = new Protos.V1.Sampler.SamplerClient(channel).Generate(Requests.Small("warm up", GuidanceMode.Cfg, steps: 1), cancellationToken: ct);
            while (await call.ResponseStream.MoveNext(ct))
            {
            }
        }

        string before = await MetricsScrape.ReadAsync(fixture, ct);
        foreach (var channel in channels)
        {
            var client = new Protos.V1.Sampler.SamplerClient(channel);
            foreach (int ms in deadlines)
            {
                // Large and long enough that no deadline here lets it finish.
                var request = Requests.Small("a blue square", GuidanceMode.ChatsFull, steps: 150);
                request.Width = request.Height = 256;
                request.NumImages = 4;
                using var call = client.Generate(request, deadline: DateTime.UtcNow.AddMilliseconds(ms), cancellationToken: ct);
                var error = await Assert.ThrowsAsync<RpcException>(async () =>
                {
                    while (await call.ResponseStream.MoveNext(ct))
                    {
                    }
                });
                Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
            }
        }

        // The server counts when its handler has unwound, which may be just after the client saw its status.
        int expected = 2 * deadlines.Length;
        string after = before;
        for (int i = 0; i < 100 && MetricsScrape.Value(after, exceeded) - MetricsScrape.Value(before, exceeded) < expected; i++)
        {
            await Task.Delay(100, ct);
            after = await MetricsScrape.ReadAsync(fixture, ct);
        }

        string deltas = string.Join(", ", new[] { "OK", "Cancelled", "DeadlineExceeded", "Unknown", "Internal", "Unavailable" }
            .Select(code => $"{code} {MetricsScrape.Value(after, MetricsScrape.Requests("chats.v1.Sampler", "Generate", code)) - MetricsScrape.Value(before, MetricsScrape.Requests("chats.v1.Sampler", "Generate", code))}"));
        Assert.True(MetricsScrape.Value(after, exceeded) - MetricsScrape.Value(before, exceeded) == expected, deltas);
        Assert.Equal(0, MetricsScrape.Value(after, cancelled) - MetricsScrape.Value(before, cancelled));
        channels.ForEach(c => c.Dispose());
    }

    [Fact]
    public async Task DenoiserStreamIdleUntilItsDeadline_EndsWithDeadlineExceeded_EveryTime()
    {
        var ct = TestContext.Current.CancellationToken;
        string exceeded = MetricsScrape.Requests("chats.v1.Denoiser", "Denoise", "DeadlineExceeded");
        string before = await MetricsScrape.ReadAsync(fixture, ct);
        using var encoderChannel = GrpcChannel.ForAddress(fixture.System.Services["text-encoder"].Grpc);
        var conditioning = (await new Protos.V1.TextEncoder.TextEncoderClient(encoderChannel).EncodeAsync(new EncodeRequest { Prompts = { "a red circle" } }, cancellationToken: ct)).Conditionings[0];
        using var channel = GrpcChannel.ForAddress(fixture.System.Services["preferred"].Grpc);
        var client = new Protos.V1.Denoiser.DenoiserClient(channel);
        const int Streams = 12;
        for (int i = 0; i < Streams; i++)
        {
            using var call = client.Denoise(deadline: DateTime.UtcNow.AddMilliseconds(150 + (20 * i)), cancellationToken: ct);
            await call.RequestStream.WriteAsync(new DenoiseRequest { Open = new SessionOpen { SessionId = $"idle-deadline/{i}", Dtype = DType.Float32, Conditionings = { conditioning } } }, ct);

            var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(ct));
            Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        }

        string after = before;
        for (int i = 0; i < 100 && MetricsScrape.Value(after, exceeded) - MetricsScrape.Value(before, exceeded) < Streams; i++)
        {
            await Task.Delay(100, ct);
            after = await MetricsScrape.ReadAsync(fixture, ct);
        }

        Assert.Equal(Streams, MetricsScrape.Value(after, exceeded) - MetricsScrape.Value(before, exceeded));
    }

    [Fact]
    public async Task DenoiserStreamsTheClientCancels_AreCountedAsCancelled_NotLostAsUnhandledErrors()
    {
        var ct = TestContext.Current.CancellationToken;
        string cancelled = MetricsScrape.Requests("chats.v1.Denoiser", "Denoise", "Cancelled");
        string before = await MetricsScrape.ReadAsync(fixture, ct);
        using var encoderChannel = GrpcChannel.ForAddress(fixture.System.Services["text-encoder"].Grpc);
        var conditioning = (await new Protos.V1.TextEncoder.TextEncoderClient(encoderChannel).EncodeAsync(new EncodeRequest { Prompts = { "a red circle" } }, cancellationToken: ct)).Conditionings[0];
        using var channel = GrpcChannel.ForAddress(fixture.System.Services["preferred"].Grpc);
        var client = new Protos.V1.Denoiser.DenoiserClient(channel);
        const int Streams = 10;
        for (int i = 0; i < Streams; i++)
        {
            using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
            using var call = client.Denoise(cancellationToken: cancel.Token);
            await call.RequestStream.WriteAsync(new DenoiseRequest { Open = new SessionOpen { SessionId = $"cancelled/{i}", Dtype = DType.Float32, Conditionings = { conditioning } } }, ct);
            await Task.Delay(30, ct);
            // The client goes away while the server waits for its next step: the server reads a reset stream.
            await cancel.CancelAsync();
        }

        string after = before;
        for (int i = 0; i < 100 && MetricsScrape.Value(after, cancelled) - MetricsScrape.Value(before, cancelled) < Streams; i++)
        {
            await Task.Delay(100, ct);
            after = await MetricsScrape.ReadAsync(fixture, ct);
        }

        Assert.Equal(Streams, MetricsScrape.Value(after, cancelled) - MetricsScrape.Value(before, cancelled));
    }
}
