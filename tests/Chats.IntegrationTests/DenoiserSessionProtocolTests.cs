using Chats.Core.Sampling;
using Chats.Denoiser;
using Chats.Protos.V1;
using Chats.ServiceDefaults;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;

namespace Chats.IntegrationTests;

/// <summary>
/// The session protocol as a client sees it over real gRPC: sessions opened at a later step (a generation continued
/// on another replica) and idle sessions closed by the server. A denoiser host of its own, with one session slot and
/// a short idle timeout, serves the running system's θ+; the running text encoder makes real conditionings.
/// </summary>
[Collection(RunningSystem.Name)]
public sealed class DenoiserSessionProtocolTests(ChatsSystemFixture fixture) : IAsyncLifetime
{
    private static readonly TimeSpan s_idleTimeout = TimeSpan.FromMilliseconds(400);
    private WebApplication _denoiser = null!;
    private GrpcChannel _channel = null!;

    public async ValueTask InitializeAsync()
    {
        _denoiser = DenoiserServiceHost.Build([], new Dictionary<string, string?>
        {
            ["Denoiser:ModelPath"] = fixture.ModelPath,
            ["Denoiser:Role"] = "Preferred",
            ["Denoiser:MaxSessions"] = "1",
            ["Denoiser:SessionIdleTimeout"] = s_idleTimeout.ToString(),
            ["Endpoints:Host"] = "127.0.0.1",
            ["Endpoints:GrpcPort"] = "0",
            ["Endpoints:HttpPort"] = "-1",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        await _denoiser.StartAsync(TestContext.Current.CancellationToken);
        _channel = GrpcChannel.ForAddress(_denoiser.BoundAddresses()[0]);
    }

    public async ValueTask DisposeAsync()
    {
        _channel?.Dispose();
        if (_denoiser is not null)
        {
            await _denoiser.StopAsync();
            await _denoiser.DisposeAsync();
        }
    }

    [Fact]
    public async Task SessionOpenedAtStepK_AnswersStepK_AndRefusesStepZero()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = new Protos.V1.Denoiser.DenoiserClient(_channel);
        var open = await OpenAsync("resume/preferred", firstStep: 3, ct);

        using (var wrong = client.Denoise(cancellationToken: ct))
        {
            await wrong.RequestStream.WriteAsync(new DenoiseRequest { Open = open }, ct);
            await wrong.RequestStream.WriteAsync(Step(open.SessionId, 0), ct);
            var error = await Assert.ThrowsAsync<RpcException>(() => wrong.ResponseStream.MoveNext(ct));
            Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
            Assert.Equal("step.step_index: expected 3, got 0", error.Status.Detail);
        }

        using var call = client.Denoise(cancellationToken: ct);
        await call.RequestStream.WriteAsync(new DenoiseRequest { Open = open }, ct);
        foreach (int step in new[] { 3, 4 })
        {
            await call.RequestStream.WriteAsync(Step(open.SessionId, step), ct);
            Assert.True(await call.ResponseStream.MoveNext(ct));
            Assert.Equal(step, call.ResponseStream.Current.StepIndex);
            Assert.Equal([1, 4, 4, 4], call.ResponseStream.Current.Predictions[0].Shape);
        }

        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(ct));
    }

    [Fact]
    public async Task IdleStream_IsClosedWithDeadlineExceeded_AndItsSlotGoesToTheNextSession()
    {
        var ct = TestContext.Current.CancellationToken;
        var client = new Protos.V1.Denoiser.DenoiserClient(_channel);

        // Opens, takes the only slot, then sends nothing more: the idle client the timeout exists for.
        using var idle = client.Denoise(cancellationToken: ct);
        await idle.RequestStream.WriteAsync(new DenoiseRequest { Open = await OpenAsync("idle/preferred", 0, ct) }, ct);

        var closed = await Assert.ThrowsAsync<RpcException>(() => idle.ResponseStream.MoveNext(ct).WaitAsync(TimeSpan.FromSeconds(30), ct));
        Assert.Equal(StatusCode.DeadlineExceeded, closed.StatusCode);
        Assert.Contains("session 'idle/preferred' sent no step for 0.4 s", closed.Status.Detail, StringComparison.Ordinal);

        using var next = client.Denoise(cancellationToken: ct);
        var open = await OpenAsync("next/preferred", 0, ct);
        await next.RequestStream.WriteAsync(new DenoiseRequest { Open = open }, ct);
        await next.RequestStream.WriteAsync(Step(open.SessionId, 0), ct);
        Assert.True(await next.ResponseStream.MoveNext(ct));
        await next.RequestStream.CompleteAsync();
    }

    private async Task<SessionOpen> OpenAsync(string sessionId, int firstStep, CancellationToken ct)
    {
        using var channel = GrpcChannel.ForAddress(fixture.System.Services["text-encoder"].Grpc);
        var encoder = new Protos.V1.TextEncoder.TextEncoderClient(channel);
        var encoded = await encoder.EncodeAsync(new EncodeRequest { Prompts = { "a red circle" } }, cancellationToken: ct);
        var open = new SessionOpen { SessionId = sessionId, Dtype = DType.Float32, FirstStepIndex = firstStep };
        open.Conditionings.Add(encoded.Conditionings[0]);
        return open;
    }

    private static DenoiseRequest Step(string sessionId, int index)
    {
        var latent = new Core.Tensors.HostTensor(GaussianNoise.Sample(4 * 4 * 4, 3), [1, 4, 4, 4]);
        var step = new StepRequest { SessionId = sessionId, StepIndex = index, Timestep = 500f - index, Latent = latent.ToProto() };
        step.ConditioningIndices.Add(0);
        return new DenoiseRequest { Step = step };
    }
}
