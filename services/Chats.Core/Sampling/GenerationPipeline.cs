using System.Runtime.CompilerServices;
using Chats.Core.Guidance;
using Chats.Core.Schedulers;
using Chats.Core.Tensors;

namespace Chats.Core.Sampling;

/// <summary>
/// The CHATS / CFG sampling loop, independent of transport: the same code runs in the sampler service
/// (denoisers over gRPC) and in-process (CLI). Per step it asks the denoisers concurrently, combines their
/// predictions with the guidance formula of the request's mode, and advances the scheduler.
/// </summary>
public sealed class GenerationPipeline
{
    private readonly IPromptEncoder _encoder;
    private readonly DenoiserRoles _denoisers;
    private readonly ILatentDecoder _decoder;
    private readonly SchedulerConfig _schedulerConfig;
    private readonly ModelGeometry _geometry;

    /// <summary>Creates a pipeline over the given roles.</summary>
    public GenerationPipeline(
        IPromptEncoder encoder, DenoiserRoles denoisers, ILatentDecoder decoder, SchedulerConfig schedulerConfig, ModelGeometry geometry)
    {
        _encoder = encoder;
        _denoisers = denoisers;
        _decoder = decoder;
        _schedulerConfig = schedulerConfig;
        _geometry = geometry;
    }

    /// <summary>Runs one generation, yielding a progress event per step and then one event per image.</summary>
    public async IAsyncEnumerable<GenerationEvent> RunAsync(
        GenerationSpec spec, string generationId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        GuidanceParameters guidance = spec.Guidance;

        var encoded = await _encoder.EncodeAsync([spec.Prompt, spec.NegativePrompt], cancellationToken);
        PromptConditioning conditional = encoded[0], unconditional = encoded[1];
        float[] timeIds = _geometry.UsesTimeIds
            ? [spec.Height, spec.Width, 0f, 0f, spec.Height, spec.Width]
            : [];

        var plan = StepPlan.For(guidance.Mode, _denoisers, conditional, unconditional, guidance.Alpha);
        await using var first = await plan.First.Endpoint.OpenSessionAsync(
            new DenoiserSessionSetup($"{generationId}/{plan.First.Name}", plan.First.Conditionings, timeIds), cancellationToken);
        await using var second = plan.Second is null ? null : await plan.Second.Endpoint.OpenSessionAsync(
            new DenoiserSessionSetup($"{generationId}/{plan.Second.Name}", plan.Second.Conditionings, timeIds), cancellationToken);

        INoiseScheduler scheduler = NoiseSchedulerFactory.Create(spec.Scheduler, _schedulerConfig);
        scheduler.SetTimesteps(spec.Steps);
        HostTensor latents = InitialLatents(spec, scheduler.InitNoiseSigma);
        var guided = new float[latents.Data.Length];

        for (int i = 0; i < scheduler.Timesteps.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            float t = scheduler.Timesteps[i];
            HostTensor modelInput = latents.Clone();
            scheduler.ScaleModelInput(modelInput.Data, i);

            var firstTask = first.PredictAsync(i, t, modelInput, plan.First.StepIndices, cancellationToken);
            var secondTask = second?.PredictAsync(i, t, modelInput, plan.Second!.StepIndices, cancellationToken);
            IReadOnlyList<HostTensor> a = await firstTask;
            IReadOnlyList<HostTensor>? b = secondTask is null ? null : await secondTask;

            switch (guidance.Mode)
            {
                case GuidanceMode.Cfg:
                    ClassifierFreeGuidance.Combine(a[0].Data, a[1].Data, guidance.Scale, guided);
                    break;
                case GuidanceMode.Chats:
                    ChatsProxyGuidance.Combine(a[0].Data, b![0].Data, guidance.Scale, guided);
                    break;
                case GuidanceMode.ChatsFull:
                    ChatsFullGuidance.Combine(a[0].Data, b![0].Data, b[1].Data, guidance.Scale, guidance.Alpha, guided);
                    break;
                default:
                    throw new InvalidOperationException($"unhandled guidance mode {guidance.Mode}");
            }

            scheduler.Step(guided, i, latents.Data);
            yield return new GenerationProgressEvent(i + 1, scheduler.Timesteps.Count);
        }

        var pngs = await _decoder.DecodeToPngAsync(latents, cancellationToken);
        for (int k = 0; k < pngs.Count; k++)
        {
            yield return new GenerationImageEvent(k, spec.Seed + (ulong)k, pngs[k], spec.Width, spec.Height);
        }
    }

    private HostTensor InitialLatents(GenerationSpec spec, float initNoiseSigma)
    {
        int h = spec.Height / _geometry.SpatialFactor, w = spec.Width / _geometry.SpatialFactor;
        int perImage = _geometry.LatentChannels * h * w;
        var data = new float[spec.NumImages * perImage];
        for (int k = 0; k < spec.NumImages; k++)
        {
            // Each image has its own seed, so image k of a batch equals a single-image request with seed + k.
            Span<float> slice = data.AsSpan(k * perImage, perImage);
            GaussianNoise.Fill(slice, spec.Seed + (ulong)k);
            for (int j = 0; j < slice.Length; j++)
            {
                slice[j] *= initNoiseSigma;
            }
        }

        return new HostTensor(data, [spec.NumImages, _geometry.LatentChannels, h, w]);
    }
}
