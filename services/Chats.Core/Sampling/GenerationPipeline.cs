using System.Diagnostics;
using System.Runtime.CompilerServices;
using Chats.Core.Diagnostics;
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
    private readonly IGenerationObserver? _observer;

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
    /// <param name="observer">Told the duration of each encode, denoiser call, guidance step and decode; null for none.</param>
    public GenerationPipeline(
        IPromptEncoder encoder,
        DenoiserRoles denoisers,
        ILatentDecoder decoder,
        SchedulerConfig schedulerConfig,
        ModelGeometry geometry,
        bool zerosForEmptyNegativePrompt = false,
        IGenerationObserver? observer = null)
    {
        _observer = observer;
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
        var state = await PrepareAsync(spec, generationId, initialNoise, cancellationToken);
        await foreach (var e in ResumeAsync(state, cancellationToken))
        {
            yield return e;
        }
    }

    /// <summary>
    /// Continues a generation from <paramref name="state"/> (captured after any step, here or in another process):
    /// yields a progress event per remaining step, then one event per image. The images are byte-identical to an
    /// uninterrupted run of the same request.
    /// </summary>
    public async IAsyncEnumerable<GenerationEvent> ResumeAsync(
        GenerationState state, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        await using (var run = await OpenAsync(state, cancellationToken))
        {
            while (!run.IsDenoised)
            {
                yield return await run.StepAsync(cancellationToken);
            }

            state = run.Capture();
        }

        foreach (var image in await FinishAsync(state, cancellationToken))
        {
            yield return image;
        }
    }

    /// <summary>
    /// Prepare: encodes the prompts and draws the initial latents; no denoiser is involved yet. The returned state
    /// is at step 0.
    /// </summary>
    /// <param name="spec">The validated request.</param>
    /// <param name="generationId">Unique id; denoiser session ids derive from it.</param>
    /// <param name="initialNoise">See <see cref="RunAsync(GenerationSpec, string, HostTensor?, CancellationToken)"/>; null draws it from the seed.</param>
    /// <param name="cancellationToken">Cancels the encoder call.</param>
    public async Task<GenerationState> PrepareAsync(
        GenerationSpec spec, string generationId, HostTensor? initialNoise = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var (conditional, unconditional) = await EncodeAsync(spec, cancellationToken);
        INoiseScheduler scheduler = NoiseSchedulerFactory.Create(spec.Scheduler, _schedulerConfig);
        try
        {
            if (scheduler is FlowMatchEulerScheduler flow && _schedulerConfig.UseDynamicShifting)
            {
                // diffusers' SD3 / Flux pipelines: μ from the image token count of this request's size.
                flow.SetTimesteps(spec.Steps, FlowMatchEulerScheduler.CalculateShift(_schedulerConfig, _geometry.ImageSeqLen(spec.Width, spec.Height)));
            }
            else
            {
                scheduler.SetTimesteps(spec.Steps);
            }
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new RequestValidationException("steps", $"{spec.Steps} is more than this model's scheduler can take ({e.Message.Split(" (Parameter", 2)[0].Split(Environment.NewLine)[0]})");
        }

        HostTensor latents = InitialLatents(spec, initialNoise, scheduler.InitNoiseSigma);
        return new GenerationState(generationId, spec, conditional, unconditional, 0, latents, scheduler.CaptureState());
    }

    /// <summary>
    /// Step: opens the denoiser sessions the mode needs at the state's step (a session opened at step k expects
    /// k as its first step) and restores the scheduler. Dispose the run to close the sessions.
    /// </summary>
    public async Task<GenerationRun> OpenAsync(GenerationState state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        var scheduler = NoiseSchedulerFactory.Restore(_schedulerConfig, state.Scheduler);
        if (scheduler.StepIndex != state.StepIndex)
        {
            throw new ArgumentException($"the state is at step {state.StepIndex} but its scheduler state at step {scheduler.StepIndex}", nameof(state));
        }

        var spec = state.Spec;
        var plan = StepPlan.For(spec.Guidance.Mode, _denoisers, state.Conditional, state.Unconditional, spec.Guidance.Alpha);
        var sessions = new List<(StepPlan.Participant, IDenoiserSession)>();
        try
        {
            foreach (var participant in plan.Participants)
            {
                var setup = new DenoiserSessionSetup(
                    $"{state.GenerationId}/{participant.Role}", [.. participant.Conditionings.Select(c => WithSessionTensors(c, spec))], state.StepIndex);
                sessions.Add((participant, await participant.Endpoint.OpenSessionAsync(setup, cancellationToken)));
            }
        }
        catch
        {
            foreach (var (_, session) in sessions)
            {
                await session.DisposeAsync();
            }

            throw;
        }

        return new GenerationRun(state, sessions, scheduler, _observer);
    }

    /// <summary>Finish: decodes the latents of a fully denoised state into one PNG event per image.</summary>
    public async Task<IReadOnlyList<GenerationImageEvent>> FinishAsync(GenerationState state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (!state.IsDenoised)
        {
            throw new ArgumentException($"the state is at step {state.StepIndex} of {state.TotalSteps}; finish needs every step run", nameof(state));
        }

        var spec = state.Spec;
        using var activity = ChatsTracing.Source.StartActivity(ChatsTracing.Decode);
        long started = Stopwatch.GetTimestamp();
        IReadOnlyList<byte[]> pngs;
        try
        {
            pngs = await _decoder.DecodeToPngAsync(state.Latents, cancellationToken);
        }
        catch (Exception e) when (ChatsTracing.Failed(activity, e))
        {
            throw;
        }

        _observer?.Observe(GenerationPhase.Decode, null, Stopwatch.GetElapsedTime(started));
        return pngs.Select((png, k) => new GenerationImageEvent(k, spec.Seed + (ulong)k, png, spec.Width, spec.Height)).ToList();
    }

    private async Task<(PromptConditioning Conditional, PromptConditioning Unconditional)> EncodeAsync(
        GenerationSpec spec, CancellationToken cancellationToken)
    {
        using var activity = ChatsTracing.Source.StartActivity(ChatsTracing.Encode);
        long started = Stopwatch.GetTimestamp();
        try
        {
            var encoded = await EncodeUntimedAsync(spec, cancellationToken);
            _observer?.Observe(GenerationPhase.Encode, null, Stopwatch.GetElapsedTime(started));
            return encoded;
        }
        catch (Exception e) when (ChatsTracing.Failed(activity, e))
        {
            throw;
        }
    }

    private async Task<(PromptConditioning Conditional, PromptConditioning Unconditional)> EncodeUntimedAsync(
        GenerationSpec spec, CancellationToken cancellationToken)
    {
        if (_zerosForEmptyNegativePrompt && spec.Guidance.Mode == GuidanceMode.Cfg && spec.NegativePrompt.Length == 0)
        {
            // diffusers' StableDiffusionXLPipeline: negative_prompt None and force_zeros_for_empty_prompt
            // → zeros_like(prompt_embeds) and zeros_like(pooled_prompt_embeds); "" is never encoded.
            var only = await _encoder.EncodeAsync([spec.Prompt], cancellationToken);
            PromptConditioning c = only[0];
            return (c, c.ZerosLike());
        }

        var encoded = await _encoder.EncodeAsync([spec.Prompt, spec.NegativePrompt], cancellationToken);
        return (encoded[0], encoded[1]);
    }

    /// <summary>
    /// The conditioning a session is opened with: the prompt's tensors plus those of the request that are not
    /// prompt conditioning (SDXL's time ids: original size, crop, target size), added after guidance built c̃.
    /// </summary>
    private PromptConditioning WithSessionTensors(PromptConditioning conditioning, GenerationSpec spec)
        => _geometry.UsesTimeIds
            ? conditioning.With(ConditioningNames.TimeIds, new HostTensor([spec.Height, spec.Width, 0f, 0f, spec.Height, spec.Width], [6]))
            : conditioning;

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
