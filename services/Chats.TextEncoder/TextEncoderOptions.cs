using System.ComponentModel.DataAnnotations;

namespace Chats.TextEncoder;

/// <summary>Text-encoder settings, section <c>TextEncoder</c>.</summary>
public sealed record TextEncoderOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "TextEncoder";

    /// <summary>Diffusers pipeline folder; its tokenizer(s) and text encoder(s) are loaded, nothing else.</summary>
    [Required]
    public string ModelPath { get; init; } = string.Empty;

    /// <summary>Model id used in cache keys and reported by GetInfo; default: the folder name.</summary>
    public string? ModelId { get; init; }

    /// <summary>Most prompts one Encode call may carry.</summary>
    [Range(1, 1024)]
    public int MaxPromptsPerRequest { get; init; } = 16;

    /// <summary>Longest prompt in characters.</summary>
    [Range(1, 100_000)]
    public int MaxPromptLength { get; init; } = 2000;
}
