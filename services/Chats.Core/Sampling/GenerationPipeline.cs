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
    private readonly bool _zerosForEmptyNegativePrompt;

    /// <summary>Creates a pipeline over the given roles.</summary>
    /// <param name="encoder">The text-encoder role.</param>
    /// <param name="denoisers">The denoiser roles.</param>
    /// <param name="decoder">The decoder role.</param>
    /// <param name="schedulerConfig">The pipeline's <c>scheduler_config.json</c>.</param>
    /// <param name="geometry">Latent shape and model family.</param>
    /// <param name="zerosForEmptyNegativePrompt">
    /// diffusers' SDXL <c>force_zeros_for_empty_prompt</c> (model_index.json): under CFG, an empty negative
    /// prompt is conditioned on all-zero embeddings instead of the encoding of "". CHATS modes ignore it:
    /// the official CHATS pipelines always encode "".
    /// </param>
    public GenerationPipeline(
        IPromptEncoder encoder,
        DenoiserRoles denoisers,
        ILatentDecoder decoder,
        SchedulerConfig schedulerConfig,
        ModelGeometry geometry,
        bool zerosForEmptyNegativePrompt = false)
    {
        _encoder = encoder;
        _denoisers = denoisers;
        _decoder = decoder;
        _schedulerConfig = schedulerConfig;
        _geometry = geometry;
        _zerosForEmptyNegativePrompt = zerosForEmptyNegativePrompt;
    }

    /// <summary>Runs one generation, yielding a progress event per step and then one event per image.</summary>
    public IAsyncEnumerable<GenerationEvent> RunAsync(GenerationSpec spec, string generationId, CancellationToken cancellationToken = default)
        => RunAsync(spec, generationId, initialNoise: null, cancellationToken);

    /// <summary>
    /// Runs one generation from the given unit-variance initial noise [num_images, C, H/f, W/f] instead of noise
    /// drawn from the request's seed (reference comparisons). It is multiplied by the scheduler's
    /// init_noise_sigma exactly like generated noise; null draws it from the seed.
    /// </summary>
    public async IAsyncEnumerable<GenerationEvent> RunAsync(
        GenerationSpec spec, string generationId, HostTensor? initialNoise, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        GuidanceParameters guidance = spec.Guidance;

        var (conditional, unconditional) = await EncodeAsync(spec, cancellationToken);
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
        HostTensor latents = InitialLatents(spec, initialNoise, scheduler.InitNoiseSigma);
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

    private async Task<(PromptConditioning Conditional, PromptConditioning Unconditional)> EncodeAsync(
        GenerationSpec spec, CancellationToken cancellationToken)
    {
        if (_zerosForEmptyNegativePrompt && spec.Guidance.Mode == GuidanceMode.Cfg && spec.NegativePrompt.Length == 0)
        {
            // diffusers' StableDiffusionXLPipeline: negative_prompt None and force_zeros_for_empty_prompt
            // → zeros_like(prompt_embeds) and zeros_like(pooled_prompt_embeds); "" is never encoded.
            var only = await _encoder.EncodeAsync([spec.Prompt], cancellationToken);
            PromptConditioning c = only[0];
            var zeros = new PromptConditioning(
                HostTensor.Zeros((long[])c.HiddenStates.Shape.Clone()),
                c.Pooled is null ? null : HostTensor.Zeros((long[])c.Pooled.Shape.Clone()));
            return (c, zeros);
        }

        var encoded = await _encoder.EncodeAsync([spec.Prompt, spec.NegativePrompt], cancellationToken);
        return (encoded[0], encoded[1]);
    }

    private HostTensor InitialLatents(GenerationSpec spec, HostTensor? initialNoise, float initNoiseSigma)
    {
        int h = spec.Height / _geometry.SpatialFactor, w = spec.Width / _geometry.SpatialFactor;
        long[] shape = [spec.NumImages, _geometry.LatentChannels, h, w];
        int perImage = _geometry.LatentChannels * h * w;
        float[] data;
        if (initialNoise is null)
        {
            data = new float[spec.NumImages * perImage];
            for (int k = 0; k < spec.NumImages; k++)
            {
                // Each image has its own seed, so image k of a batch equals a single-image request with seed + k.
                GaussianNoise.Fill(data.AsSpan(k * perImage, perImage), spec.Seed + (ulong)k);
            }
        }
        else
        {
            if (!initialNoise.Shape.AsSpan().SequenceEqual(shape))
            {
                throw new ArgumentException(
                    $"initial noise has shape [{string.Join(", ", initialNoise.Shape)}]; this request needs [{string.Join(", ", shape)}]",
                    nameof(initialNoise));
            }

            data = (float[])initialNoise.Data.Clone();
        }

        for (int j = 0; j < data.Length; j++)
        {
            data[j] *= initNoiseSigma;
        }

        return new HostTensor(data, shape);
    }
}
