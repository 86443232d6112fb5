using System.Diagnostics;
using Chats.Protos.V1;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace Chats.Cli.Fuzzing;

/// <summary>
/// Sends generated cases to running services over real gRPC and records each final status; around them, a normal
/// generation before and after (same PNG bytes expected), the heap and working set, and every service's health.
/// </summary>
internal static class FuzzRunner
{
    /// <summary>A stream that goes idle is given this deadline; DEADLINE_EXCEEDED is its documented end.</summary>
    public static readonly TimeSpan IdleDeadline = TimeSpan.FromMilliseconds(300);

    /// <summary>Any other case: far longer than a rejection or a tiny valid call takes, so only a hang reaches it.</summary>
    public static readonly TimeSpan CaseDeadline = TimeSpan.FromSeconds(60);

    /// <summary>Runs cases 0 … <paramref name="cases"/>−1 of <paramref name="seed"/> (or only <paramref name="only"/>).</summary>
    public static async Task<FuzzReport> RunAsync(
        FuzzTargets targets, int seed, int cases, int concurrency, IReadOnlyList<int>? only = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentOutOfRangeException.ThrowIfLessThan(concurrency, 1);
        using var gateway = Channel(targets.Gateway);
        using var sampler = Channel(targets.Sampler);
        using var textEncoder = Channel(targets.TextEncoder);
        using var denoiser = Channel(targets.Denoiser);
        using var decoder = Channel(targets.Decoder);
        var shape = await ShapeAsync(textEncoder, denoiser, decoder, cancellationToken);
        var generator = new FuzzCaseGenerator(seed, shape);

        var before = await GenerateImageAsync(gateway, cancellationToken);
        long heapBefore = CollectedHeap();
        long workingSetBefore = WorkingSet();

        var indices = only ?? [.. Enumerable.Range(0, cases)];
        var outcomes = new FuzzOutcome[indices.Count];
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(
            Enumerable.Range(0, indices.Count),
            new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken },
            async (slot, ct) =>
            {
                var c = generator.Create(indices[slot]);
                var channel = c.Target switch
                {
                    FuzzTarget.GatewayGenerate => gateway,
                    FuzzTarget.SamplerGenerate => sampler,
                    FuzzTarget.Encode => textEncoder,
                    FuzzTarget.Decode => decoder,
                    _ => denoiser,
                };
                var (status, detail) = await SendAsync(channel.CreateCallInvoker(), c, ct);
                outcomes[slot] = FuzzOutcome.Of(c, status, detail);
            });
        clock.Stop();

        long heapAfter = CollectedHeap();
        long workingSetAfter = WorkingSet();
        var unhealthy = new List<string>();
        foreach (var (name, channel) in new[] { ("gateway", gateway), ("sampler", sampler), ("text-encoder", textEncoder), ("denoiser", denoiser), ("decoder", decoder) })
        {
            var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), cancellationToken: cancellationToken);
            if (health.Status != HealthCheckResponse.Types.ServingStatus.Serving)
            {
                unhealthy.Add($"{name} ({health.Status})");
            }
        }

        var after = await GenerateImageAsync(gateway, cancellationToken);
        return new FuzzReport(seed, outcomes, clock.Elapsed, unhealthy, heapBefore, heapAfter, workingSetBefore, workingSetAfter, before.AsSpan().SequenceEqual(after));
    }

    /// <summary>Sends one case and returns its final status (OK for a Generate whose first event arrived: it was accepted).</summary>
    public static async Task<(StatusCode Status, string Detail)> SendAsync(CallInvoker invoker, FuzzCase c, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invoker);
        ArgumentNullException.ThrowIfNull(c);
        var options = new CallOptions(deadline: DateTime.UtcNow + (c.Expectation == FuzzExpectation.Idle ? IdleDeadline : CaseDeadline), cancellationToken: cancellationToken);
        try
        {
            switch (c.Target)
            {
                case FuzzTarget.Encode:
                    await invoker.AsyncUnaryCall(RawGrpcMethods.Encode, null, options, c.Messages[0]);
                    break;
                case FuzzTarget.Decode:
                    await invoker.AsyncUnaryCall(RawGrpcMethods.Decode, null, options, c.Messages[0]);
                    break;
                case FuzzTarget.SamplerGenerate or FuzzTarget.GatewayGenerate:
                    // The first event (GenerationStarted) means the request passed validation; the run itself is not the
                    // point, so the call is cancelled there (disposing it), which exercises cancellation as well.
                    using (var call = invoker.AsyncServerStreamingCall(RawGrpcMethods.Generate, null, options, c.Messages[0]))
                    {
                        await call.ResponseStream.MoveNext(cancellationToken);
                    }

                    break;
                default:
                    await DenoiseAsync(invoker, c, options, cancellationToken);
                    break;
            }

            return (StatusCode.OK, string.Empty);
        }
        catch (RpcException ex)
        {
            return (ex.StatusCode, ex.Status.Detail);
        }
    }

    private static async Task DenoiseAsync(CallInvoker invoker, FuzzCase c, CallOptions options, CancellationToken cancellationToken)
    {
        using var call = invoker.AsyncDuplexStreamingCall(RawGrpcMethods.Denoise, null, options);
        try
        {
            foreach (var message in c.Messages)
            {
                await call.RequestStream.WriteAsync(message, cancellationToken);
            }

            if (c.Expectation != FuzzExpectation.Idle)
            {
                await call.RequestStream.CompleteAsync();
            }
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
        {
            // The server ended the call before every message was written; its status is read below.
        }

        while (await call.ResponseStream.MoveNext(cancellationToken))
        {
        }
    }

    private static GrpcChannel Channel(Uri address) => GrpcChannel.ForAddress(address, new GrpcChannelOptions { MaxReceiveMessageSize = 64 * 1024 * 1024 });

    private static async Task<FuzzModelShape> ShapeAsync(GrpcChannel textEncoder, GrpcChannel denoiser, GrpcChannel decoder, CancellationToken cancellationToken)
    {
        var vae = await new Protos.V1.Decoder.DecoderClient(decoder).GetInfoAsync(new DecoderInfoRequest(), cancellationToken: cancellationToken);
        var text = await new Protos.V1.TextEncoder.TextEncoderClient(textEncoder).GetInfoAsync(new TextEncoderInfoRequest(), cancellationToken: cancellationToken);
        var unet = await new Protos.V1.Denoiser.DenoiserClient(denoiser).GetInfoAsync(new DenoiserInfoRequest(), cancellationToken: cancellationToken);
        return new FuzzModelShape(
            unet.LatentChannels, Math.Min(unet.SampleSize, 4), text.MaxTokens, text.HiddenSize, unet.UsesPooled ? text.PooledSize : 0, unet.UsesPooled ? 6 : 0, vae.SpatialFactor);
    }

    private static async Task<byte[]> GenerateImageAsync(GrpcChannel gateway, CancellationToken cancellationToken)
    {
        var client = new Protos.V1.Sampler.SamplerClient(gateway);
        using var call = client.Generate(
            new GenerateRequest { Prompt = "a red circle left of a blue square", Mode = GuidanceMode.Chats, Steps = 3, Seed = 7 },
            cancellationToken: cancellationToken);
        byte[]? png = null;
        while (await call.ResponseStream.MoveNext(cancellationToken))
        {
            if (call.ResponseStream.Current.EventCase == GenerateEvent.EventOneofCase.Image)
            {
                png = call.ResponseStream.Current.Image.Png.ToByteArray();
            }
        }

        return png ?? throw new InvalidOperationException("the generation sent no image");
    }

    private static long CollectedHeap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static long WorkingSet()
    {
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }
}
