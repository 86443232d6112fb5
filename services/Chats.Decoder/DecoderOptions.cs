using System.ComponentModel.DataAnnotations;

namespace Chats.Decoder;

/// <summary>Decoder settings, section <c>Decoder</c>.</summary>
public sealed record DecoderOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Decoder";

    /// <summary>Diffusers pipeline folder; only its <c>vae</c> is loaded.</summary>
    [Required]
    public string ModelPath { get; init; } = string.Empty;

    /// <summary>Model id reported by GetInfo; default: the folder name.</summary>
    public string? ModelId { get; init; }

    /// <summary>Most images one Decode call may carry.</summary>
    [Range(1, 64)]
    public int MaxBatch { get; init; } = 8;
}
