using System.Diagnostics;
using CoreGuidanceMode = Chats.Core.Guidance.GuidanceMode;
using Chats.Core.Diagnostics;
using Chats.Core.Sampling;
using Chats.Protos.V1;
using Chats.ServiceDefaults;
using Grpc.Core;
using Prometheus;

namespace Chats.Sampler;

/// <summary>gRPC adapter over <see cref="GenerationPipeline"/>: validates, resolves the A/B arm, streams events.</summary>
internal sealed class SamplerService(SamplerTopology topology, ConcurrencyLimiter limiter, ServiceDrain drain, ILogger<SamplerService> logger)
    : Protos.V1.Sampler.SamplerBase
{
    public override async Task Generate(GenerateRequest request, IServerStreamWriter<GenerateEvent> responseStream, ServerCallContext context)
    {
        // The generation's root span in this service (its parent is the server span of the call, whose traceparent
        // came from the gateway): encode, every step and decode are its children.
        using var activity = ChatsTracing.Source.StartActivity(ChatsTracing.Generate);
        try
        {
            await GenerateAsync(request, responseStream, context, activity);
        }
        catch (Exception e) when (ChatsTracing.Failed(activity, e))
        {
            throw;
        }
    }

    private async Task GenerateAsync(GenerateRequest request, IServerStreamWriter<GenerateEvent> responseStream, ServerCallContext context, Activity? activity)
    {
        // A drain that runs out of time ends the generation here; the status interceptor answers UNAVAILABLE (retry),
        // not CANCELLED, which would tell the client that it cancelled.
        using var untilDrained = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, drain.Expired);
        var ct = untilDrained.Token;
        var input = SamplerRequestMapping.ToInput(request);
        string? armName = context.RequestHeaders.GetValue(ArmHeaders.Arm);
        CoreGuidanceMode? armMode = SamplerRequestMapping.ParseArmMode(context.RequestHeaders.GetValue(ArmHeaders.Mode));

        var resolved = await topology.GetAsync(ct);
        var spec = resolved.Validator.Validate(input, armMode);
        // "explicit": the request named the mode; otherwise the arm whose mode the gateway sent, or "default" when the
        // mode is the sampler's own default (no arm header, e.g. a request sent straight to the sampler).
        string arm = input.Mode is not null ? "explicit" : armMode is null ? "default" : (armName ?? "default");

        using var lease = limiter.TryAcquire()
            ?? throw RetryHint.ResourceExhausted("the sampler is running its maximum number of generations", RetryDelay.Generation);
        ChatsMetrics.SamplerInFlight.Inc();
        using var inFlight = new ScopeExit(() => ChatsMetrics.SamplerInFlight.Dec());
        using var latency = ChatsMetrics.GenerationSeconds.WithLabels(SamplerRequestMapping.ModeName(spec.Guidance.Mode)).NewTimer();

        await context.WriteResponseHeadersAsync(new Metadata
        {
            { ArmHeaders.Arm, arm },
            { ArmHeaders.Mode, SamplerRequestMapping.ModeName(spec.Guidance.Mode) },
        });

        string generationId = Guid.NewGuid().ToString("N");
        string mode = SamplerRequestMapping.ModeName(spec.Guidance.Mode);
        activity?.SetTag(ChatsTracing.GenerationIdTag, generationId);
        activity?.SetTag(ChatsTracing.ModeTag, mode);
        activity?.SetTag(ChatsTracing.ArmTag, arm);
        activity?.SetTag(ChatsTracing.StepsTag, spec.Steps);
        activity?.SetTag(ChatsTracing.SizeTag, $"{spec.Width}x{spec.Height}");
        activity?.SetTag(ChatsTracing.ImagesTag, spec.NumImages);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["GenerationId"] = generationId });
        SamplerLog.Started(logger, generationId, mode, arm, spec.Steps, spec.Width, spec.Height, spec.NumImages, spec.Scheduler.ToString());
        SamplerLog.Prompts(logger, generationId, spec.Prompt, spec.NegativePrompt);
        long started = Stopwatch.GetTimestamp();
        try
        {
            await StreamAsync(resolved.Pipeline, spec, arm, generationId, responseStream, ct);
        }
        catch (Exception e)
        {
            SamplerLog.Ended(logger, generationId, Stopwatch.GetElapsedTime(started), e, context.CancellationToken.IsCancellationRequested);
            throw;
        }

        SamplerLog.Finished(logger, generationId, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    private static async Task StreamAsync(
        GenerationPipeline pipeline, GenerationSpec spec, string arm, string generationId, IServerStreamWriter<GenerateEvent> responseStream, CancellationToken ct)
    {
        ChatsMetrics.Generations.WithLabels(SamplerRequestMapping.ModeName(spec.Guidance.Mode), arm).Inc();
        await responseStream.WriteAsync(new GenerateEvent
        {
            Started = new GenerationStarted
            {
                GenerationId = generationId,
                Mode = SamplerRequestMapping.ToProto(spec.Guidance.Mode),
                Arm = arm == "explicit" ? string.Empty : arm,
                Steps = spec.Steps,
                Width = spec.Width,
                Height = spec.Height,
                GuidanceScale = spec.Guidance.Scale,
                Alpha = spec.Guidance.Alpha,
                Scheduler = SamplerRequestMapping.ToProto(spec.Scheduler),
            },
        }, ct);

        await foreach (var e in pipeline.RunAsync(spec, generationId, ct))
        {
            var message = e switch
            {
                GenerationProgressEvent p => new GenerateEvent { Progress = new GenerationProgress { Step = p.Step, TotalSteps = p.TotalSteps } },
                GenerationImageEvent img => new GenerateEvent
                {
                    Image = new GeneratedImage
                    {
                        Index = img.Index,
                        Seed = img.Seed,
                        Png = Google.Protobuf.ByteString.CopyFrom(img.Png),
                        Width = img.Width,
                        Height = img.Height,
                    },
                },
                _ => throw new InvalidOperationException($"unknown generation event {e.GetType().Name}"),
            };
            await responseStream.WriteAsync(message, ct);
        }
    }
}
