using Chats.Core.Sampling;
using System.ComponentModel.DataAnnotations;

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

    /// <summary>Model id reported by GetInfo; default: the folder name.</summary>
    public string? ModelId { get; init; }

    /// <summary>Concurrent generation sessions; more are refused with RESOURCE_EXHAUSTED.</summary>
    [Range(1, 10_000)]
    public int MaxSessions { get; init; } = 16;

    /// <summary>The component a role loads when <see cref="Component"/> is not set.</summary>
    public string ResolvedComponent => Component ?? DenoiserComponents.For(Role);
}
