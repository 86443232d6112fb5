using Chats.Core.Guidance;
using Chats.Core.Loading;
using Chats.Core.Sampling;
using Chats.Core.Schedulers;
using Chats.Inference.Engine;
using Chats.Inference.Roles;
using Chats.Inference.Tensors;

namespace Chats.Inference.Local;

/// <summary>
/// Every role of a pipeline folder loaded in this process, wired into the same <see cref="GenerationPipeline"/>
/// and <see cref="GenerationRequestValidator"/> the sampler service uses — for the CLI and the lab, where
/// going through gRPC would add nothing.
/// </summary>
public sealed class LocalPipeline : IDisposable
{
    private readonly List<IDisposable> _owned;

    private LocalPipeline(GenerationPipeline pipeline, GenerationRequestValidator validator, ModelGeometry geometry, List<IDisposable> owned)
    {
        Pipeline = pipeline;
        Validator = validator;
        Geometry = geometry;
        _owned = owned;
    }

    /// <summary>The sampling loop.</summary>
    public GenerationPipeline Pipeline { get; }

    /// <summary>Request validation with this folder's geometry and available modes.</summary>
    public GenerationRequestValidator Validator { get; }

    /// <summary>Latent channels, spatial factor, default size, prediction type.</summary>
    public ModelGeometry Geometry { get; }

    /// <summary>
    /// Loads the text encoder(s), the VAE decoder and every UNet the folder has: <c>unet_win</c> (θ+),
    /// <c>unet_lose</c> (θ−) and <c>unet</c> (standard, the CFG model when present).
    /// </summary>
    /// <param name="modelPath">The pipeline folder.</param>
    /// <param name="limits">Sampling limits and defaults.</param>
    /// <param name="standardModelPath">
    /// A pipeline whose <c>unet</c> serves the standard (CFG) role when <paramref name="modelPath"/> has none: a CHATS
    /// pipeline and the standard model it is A/B-tested against, sharing text encoder and VAE.
    /// </param>
    /// <param name="placement">Device and dtype of every role (default cpu, float32).</param>
    public static LocalPipeline Open(string modelPath, SamplingLimits? limits = null, string? standardModelPath = null, TorchPlacement? placement = null)
    {
        var folder = DiffusersPipelineFolder.Open(modelPath);
        var owned = new List<IDisposable>();
        try
        {
            var text = TextConditioningModels.Load(folder.Root, placement: placement);
            owned.Add(text);
            var decoder = VaeImageDecoderModel.Load(folder.Root, placement: placement);
            owned.Add(decoder);
            IDenoiserModel? Network(DiffusersPipelineFolder source, DenoiserRole role)
            {
                if (!DenoiserComponents.Has(source, role))
                {
                    return null;
                }

                var model = DenoiserModels.Load(source.Root, DenoiserComponents.For(role, source), placement: placement);
                owned.Add(model);
                return model;
            }

            var preferred = Network(folder, DenoiserRole.Preferred);
            var dispreferred = Network(folder, DenoiserRole.Dispreferred);
            var standard = Network(folder, DenoiserRole.Standard);
            if (standard is null && standardModelPath is not null)
            {
                standard = Network(DiffusersPipelineFolder.Open(standardModelPath), DenoiserRole.Standard)
                    ?? throw new InvalidDataException($"{standardModelPath}: the standard model's pipeline has no unet or transformer");
            }

            var any = preferred ?? standard
                ?? throw new InvalidDataException($"{folder.Root}: the pipeline has no {string.Join(", ", DenoiserComponents.All)}");
            // θ+ and θ− compute at the same time in this process: the machine's thread rule splits the cores between them.
            LocalDenoiserEndpoint? Endpoint(IDenoiserModel? model, DenoiserRole role)
            {
                if (model is null)
                {
                    return null;
                }

                var endpoint = new LocalDenoiserEndpoint(model, new DenoiserEngineOptions { Name = model.Description.Component, Threads = TorchThreads.ForDenoiser(role) });
                owned.Add(endpoint);
                return endpoint;
            }

            var roles = new DenoiserRoles(Endpoint(preferred, DenoiserRole.Preferred), Endpoint(dispreferred, DenoiserRole.Dispreferred), Endpoint(standard, DenoiserRole.Standard));

            var schedulerConfig = SchedulerConfig.LoadForPipeline(folder.Root);
            var defaultScheduler = NoiseSchedulerFactory.KindOf(schedulerConfig.ClassName ?? string.Empty) ?? SchedulerKind.EulerDiscrete;
            var d = any.Description;
            int side = d.SampleSize * decoder.SpatialFactor;
            var geometry = new ModelGeometry(d.LatentChannels, decoder.SpatialFactor, side, side, d.PredictionType, d.TimeIdsCount > 0, d.PatchSize, d.MaxLatentSide);
            var pipeline = new GenerationPipeline(text, roles, decoder, schedulerConfig, geometry, folder.ForceZerosForEmptyPrompt);
            var validator = new GenerationRequestValidator(
                limits ?? SamplingDefaultsFile.Apply(
                    folder.Root, new SamplingLimits { DefaultMode = roles.AvailableModes.Contains(GuidanceMode.Chats) ? GuidanceMode.Chats : GuidanceMode.Cfg }),
                geometry,
                defaultScheduler,
                roles.AvailableModes);
            return new LocalPipeline(pipeline, validator, geometry, owned);
        }
        catch
        {
            owned.ForEach(o => o.Dispose());
            throw;
        }
    }

    /// <summary>Validates and runs one request, returning its images (PNG) in order.</summary>
    public async Task<IReadOnlyList<GenerationImageEvent>> GenerateAsync(
        GenerationRequestInput request, CancellationToken cancellationToken = default)
    {
        var spec = Validator.Validate(request);
        var images = new List<GenerationImageEvent>();
        await foreach (var e in Pipeline.RunAsync(spec, Guid.NewGuid().ToString("N"), cancellationToken))
        {
            if (e is GenerationImageEvent image)
            {
                images.Add(image);
            }
        }

        return images;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        // Endpoints (their engines' threads) stop before the models they run are freed.
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            _owned[i].Dispose();
        }
    }
}
