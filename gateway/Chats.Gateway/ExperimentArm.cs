using System.ComponentModel.DataAnnotations;

namespace Chats.Gateway;

/// <summary>One arm of the CFG-vs-CHATS experiment.</summary>
public sealed record ExperimentArm
{
    /// <summary>Arm name reported back to clients (header <c>x-chats-arm</c>, field <c>GenerationStarted.arm</c>).</summary>
    [Required]
    public string Name { get; init; } = string.Empty;

    /// <summary>Guidance mode for requests that name none: cfg, chats or chats_full.</summary>
    [Required]
    public string Mode { get; init; } = "chats";

    /// <summary>Relative weight (≥ 0).</summary>
    [Range(0, double.MaxValue)]
    public double Weight { get; init; }
}
