using Chats.Core.Loading;
using Chats.Core.Sampling;
using Chats.Core.Schedulers;
using Chats.Protos.V1;
using Chats.Sampler.Remote;
using Chats.Core.Replicas;
using Microsoft.Extensions.Options;

namespace Chats.Sampler;

/// <summary>
/// The deployed pipeline as the sampler sees it: remote roles, scheduler config and geometry. Geometry comes
/// from the denoiser and decoder services' GetInfo on first use (they may start after the sampler); a
/// failed discovery is retried by the next request.
/// </summary>
internal sealed class SamplerTopology(IOptions<SamplerOptions> options, SamplerReplicas replicas, SamplerPhaseMetrics phaseMetrics) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Resolved? _resolved;

    public void Dispose() => _gate.Dispose();

    public async Task<Resolved> GetAsync(CancellationToken cancellationToken)
    {
        if (_resolved is { } ready)
        {
            return ready;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            return _resolved ??= await ResolveAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<Resolved> ResolveAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var schedulerConfig = SchedulerConfig.LoadForPipeline(o.ModelPath);
        // SDXL folders may ask for zero negative embeddings when the negative prompt is empty (diffusers' rule).
        bool zerosForEmptyNegativePrompt = File.Exists(Path.Combine(o.ModelPath, "model_index.json"))
            && DiffusersPipelineFolder.Open(o.ModelPath).ForceZerosForEmptyPrompt;
        var defaultScheduler = NoiseSchedulerFactory.KindOf(schedulerConfig.ClassName ?? string.Empty) ?? SchedulerKind.EulerDiscrete;

        var roles = new DenoiserRoles(replicas.Preferred, replicas.Dispreferred, replicas.Standard);
        var probe = (replicas.Preferred ?? replicas.Standard)!.Pool;
        var denoiserInfo = await probe.ExecuteAsync(
            (endpoint, ct) => ((GrpcDenoiserEndpoint)endpoint).Client.GetInfoAsync(new DenoiserInfoRequest(), cancellationToken: ct).ResponseAsync, cancellationToken);
        var decoderInfo = await replicas.Decoder.ExecuteAsync(
            (decoder, ct) => ((GrpcLatentDecoder)decoder).Client.GetInfoAsync(new DecoderInfoRequest(), cancellationToken: ct).ResponseAsync, cancellationToken);

        var prediction = denoiserInfo.PredictionType switch
        {
            "flow" => PredictionType.FlowVelocity,
            "v_prediction" => PredictionType.VPrediction,
            _ => PredictionType.Epsilon,
        };
        int side = denoiserInfo.SampleSize * decoderInfo.SpatialFactor;
        var geometry = new ModelGeometry(
            denoiserInfo.LatentChannels, decoderInfo.SpatialFactor, side, side, prediction, denoiserInfo.ConditioningNames.Contains(ConditioningNames.TimeIds),
            Math.Max(denoiserInfo.PatchSize, 1), denoiserInfo.MaxLatentSide);
        var pipeline = new GenerationPipeline(
            new FailoverPromptEncoder(replicas.TextEncoder),
            roles,
            new FailoverLatentDecoder(replicas.Decoder),
            schedulerConfig,
            geometry,
            zerosForEmptyNegativePrompt,
            phaseMetrics);
        var limits = new SamplingLimits
        {
            DefaultSteps = o.DefaultSteps,
            MaxSteps = o.MaxSteps,
            MaxImages = o.MaxImages,
            DefaultMode = o.DefaultMode,
        };
        if (Directory.Exists(o.ModelPath))
        {
            limits = SamplingDefaultsFile.Apply(o.ModelPath, limits);
        }

        return new Resolved(pipeline, new GenerationRequestValidator(limits, geometry, defaultScheduler, roles.AvailableModes));
    }

    internal sealed record Resolved(GenerationPipeline Pipeline, GenerationRequestValidator Validator);
}
