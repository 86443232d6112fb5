using Chats.Tools;
using System.Text.Json;
using Chats.Core.Guidance;
using Chats.Inference.Roles;
using Chats.Inference.Engine;
using Chats.Inference.Local;
using Chats.Core.Loading;
using Chats.Core.Sampling;
using Chats.Core.Schedulers;

namespace Chats.Core.Tests.Sampling;

/// <summary>
/// The sampler's <see cref="GenerationPipeline"/> built in-process over a fixture pipeline folder, with recording
/// decorators around every denoiser and the decoder.
/// </summary>
internal sealed class InProcessGeneration : IDisposable
{
    private readonly ClipTextConditioningModel _text;
    private readonly VaeImageDecoderModel _vae;
    private readonly List<UNetDenoiserModel> _unets = [];
    private readonly List<LocalDenoiserEndpoint> _endpoints = [];

    /// <param name="folder">The pipeline folder.</param>
    /// <param name="mode">CFG: <paramref name="cfgComponent"/> alone; CHATS: unet_win and unet_lose.</param>
    /// <param name="cfgComponent">The UNet CFG runs on: "unet" as the standard role, "unet_win" as the preferred role.</param>
    public InProcessGeneration(string folder, GuidanceMode mode, string cfgComponent = "unet")
    {
        _text = ClipTextConditioningModel.Load(folder);
        _vae = VaeImageDecoderModel.Load(folder);
        Decoder = new RecordingLatentDecoder(_vae);
        DenoiserRoles roles;
        if (mode == GuidanceMode.Cfg)
        {
            Cfg = Record(folder, cfgComponent, out var description);
            UsesTimeIds = description.TimeIdsCount > 0;
            roles = cfgComponent == "unet" ? new DenoiserRoles(null, null, Cfg) : new DenoiserRoles(Cfg, null, null);
        }
        else
        {
            Preferred = Record(folder, "unet_win", out var description);
            Dispreferred = Record(folder, "unet_lose", out _);
            UsesTimeIds = description.TimeIdsCount > 0;
            roles = new DenoiserRoles(Preferred, Dispreferred, null);
        }

        SchedulerConfig = SchedulerConfig.Load(Path.Combine(folder, "scheduler", "scheduler_config.json"));
        using (var vaeConfig = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "vae", "config.json"))))
        {
            VaeScalingFactor = vaeConfig.RootElement.GetProperty("scaling_factor").GetDouble();
        }

        var geometry = new ModelGeometry(_vae.LatentChannels, _vae.SpatialFactor, 64, 64, SchedulerConfig.PredictionType, UsesTimeIds);
        Pipeline = new GenerationPipeline(
            _text, roles, Decoder, SchedulerConfig, geometry, DiffusersPipelineFolder.Open(folder).ForceZerosForEmptyPrompt);
    }

    public GenerationPipeline Pipeline { get; }

    public SchedulerConfig SchedulerConfig { get; }

    public double VaeScalingFactor { get; }

    public int LatentChannels => _vae.LatentChannels;

    public int SpatialFactor => _vae.SpatialFactor;

    public bool UsesTimeIds { get; }

    /// <summary>The CFG model (CFG mode), else null.</summary>
    public RecordingDenoiserEndpoint? Cfg { get; }

    /// <summary>θ+ (CHATS mode), else null.</summary>
    public RecordingDenoiserEndpoint? Preferred { get; }

    /// <summary>θ− (CHATS mode), else null.</summary>
    public RecordingDenoiserEndpoint? Dispreferred { get; }

    public RecordingLatentDecoder Decoder { get; }

    public void Dispose()
    {
        _text.Dispose();
        _vae.Dispose();
        foreach (var endpoint in _endpoints)
        {
            endpoint.Dispose();
        }

        foreach (var unet in _unets)
        {
            unet.Dispose();
        }
    }

    private RecordingDenoiserEndpoint Record(string folder, string component, out DenoiserDescription description)
    {
        var unet = UNetDenoiserModel.Load(folder, component);
        _unets.Add(unet);
        description = unet.Description;
        var endpoint = new LocalDenoiserEndpoint(unet);
        _endpoints.Add(endpoint);
        return new RecordingDenoiserEndpoint(endpoint);
    }
}
