using Chats.Core.Sampling;
using System.ComponentModel.DataAnnotations;
using Chats.Inference.Engine;
using Chats.Inference.Tensors;

namespace Chats.Denoiser;

/// <summary>Denoiser settings, section <c>Denoiser</c>.</summary>
public sealed record DenoiserOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Denoiser";

    /// <summary>Diffusers pipeline folder; only the one UNet component is loaded.</summary>
    [Required]
    public string ModelPath { get; init; } = string.Empty;

    /// <summary>The role served.</summary>
    public DenoiserRole Role { get; init; } = DenoiserRole.Standard;

    /// <summary>Component folder to load; default by role: unet_win, unet_lose, unet.</summary>
    public string? Component { get; init; }

    /// <summary>Device the UNet runs on: <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>. A CUDA device libtorch does not see fails start-up.</summary>
    [TorchDevice(Section)]
    public string Device { get; init; } = TorchPlacement.DefaultDevice;

    /// <summary>
    /// dtype of the weights and activations: <c>float32</c>, <c>float16</c> or <c>bfloat16</c>. Weights are read on the CPU,
    /// converted, then moved; inputs and outputs stay fp32 on the wire.
    /// </summary>
    [TorchDType(Section)]
    public string DType { get; init; } = TorchPlacement.DefaultDType;

    /// <summary>The placement these settings name; checks that the device exists (see <see cref="TorchPlacement.Parse"/>).</summary>
    public TorchPlacement Placement() => TorchPlacement.Parse(Device, DType, Section);

    /// <summary>Model id reported by GetInfo; default: the folder name.</summary>
    public string? ModelId { get; init; }

    /// <summary>
    /// libtorch intra-op threads of this role's model thread; 0 (default) = the cores this process may use, which
    /// honours a container's CPU limit. With several torch roles busy on one machine, give each cores ÷ roles.
    /// </summary>
    [Range(0, 1024)]
    public int Threads { get; init; }

    /// <summary>Concurrent generation sessions; more are refused with RESOURCE_EXHAUSTED.</summary>
    [Range(1, 10_000)]
    public int MaxSessions { get; init; } = 64;

    /// <summary>
    /// Rows (latents × conditionings) one UNet forward may take, summed over the sessions' steps batched into it;
    /// 1 turns cross-session batching off. A step needing more is refused (INVALID_ARGUMENT).
    /// </summary>
    [Range(1, 1024)]
    public int MaxBatch { get; init; } = new DenoiserEngineOptions().MaxBatch;

    /// <summary>Whether steps of different sessions share UNet forwards (false: one step per forward).</summary>
    public bool BatchAcrossSessions { get; init; } = true;

    /// <summary>
    /// Microseconds the model thread may wait for a fuller batch once a step is waiting, and only while an open session
    /// has no step queued; 0 takes what is there.
    /// </summary>
    [Range(0, 1_000_000)]
    public int MaxQueueDelay { get; init; } = (int)(DenoiserEngineOptions.DefaultMaxQueueDelay.Ticks / (TimeSpan.TicksPerMillisecond / 1000));

    /// <summary>Steps that may wait at once; one more gets RESOURCE_EXHAUSTED at once.</summary>
    [Range(1, 100_000)]
    public int MaxQueuedSteps { get; init; } = new DenoiserEngineOptions().MaxQueuedSteps;

    /// <summary>
    /// Largest latent height or width a step may send; 0 (default) = the sampler's largest image side (2048 px) over the
    /// pipeline's spatial factor (from <c>vae/config.json</c>; 8 without one): 256 for SD, 512 for the shapes models.
    /// </summary>
    [Range(0, 1024)]
    public int MaxLatentSide { get; init; }

    /// <summary>Latents one step may carry: twice the sampler's default images per request; keep ≥ <c>Sampler:MaxImages</c>.</summary>
    [Range(1, 64)]
    public int MaxLatentBatch { get; init; } = 8;

    /// <summary>Conditionings one session may be opened with.</summary>
    [Range(1, 64)]
    public int MaxConditionings { get; init; } = new DenoiserEngineOptions().MaxConditionings;

    /// <summary>Tokens one conditioning may have (default 308, four CLIP windows).</summary>
    [Range(1, 4096)]
    public int MaxConditioningTokens { get; init; } = new DenoiserEngineOptions().MaxConditioningTokens;

    /// <summary>The session engine's limits these settings name.</summary>
    public DenoiserEngineOptions EngineOptions() => new()
    {
        Name = Role.ToString().ToLowerInvariant(),
        MaxSessions = MaxSessions,
        SessionIdleTimeout = SessionIdleTimeout,
        MaxBatch = MaxBatch,
        BatchAcrossSessions = BatchAcrossSessions,
        MaxQueueDelay = TimeSpan.FromTicks(MaxQueueDelay * (TimeSpan.TicksPerMillisecond / 1000)),
        MaxQueuedSteps = MaxQueuedSteps,
        Threads = Threads,
        MaxLatentSide = MaxLatentSide > 0 ? MaxLatentSide : DenoiserLatentBounds.DefaultMaxSide(ModelPath),
        MaxLatentBatch = MaxLatentBatch,
        MaxConditionings = MaxConditionings,
        MaxConditioningTokens = MaxConditioningTokens,
    };

    /// <summary>A session that sends no step for this long is closed (DEADLINE_EXCEEDED) and its slot freed.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan SessionIdleTimeout { get; init; } = DenoiserEngineOptions.DefaultSessionIdleTimeout;

    /// <summary>
    /// The component a role loads when <see cref="Component"/> is not set: the role's UNet or transformer name,
    /// whichever the pipeline folder has.
    /// </summary>
    public string ResolvedComponent => Component
        ?? (File.Exists(Path.Combine(ModelPath, "model_index.json"))
            ? DenoiserComponents.For(Role, Core.Loading.DiffusersPipelineFolder.Open(ModelPath))
            : DenoiserComponents.For(Role));
}
