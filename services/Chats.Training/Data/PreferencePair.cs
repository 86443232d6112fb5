namespace Chats.Training.Data;

/// <summary>
/// One preference example: a prompt, the image people preferred for it (<paramref name="Chosen"/>) and the one
/// they did not (<paramref name="Rejected"/>), both decoded to RGB.
/// </summary>
/// <param name="Prompt">The text prompt both images were generated from.</param>
/// <param name="Chosen">The preferred image (CHATS' / Diffusion-DPO's "winner").</param>
/// <param name="Rejected">The dispreferred image (the "loser").</param>
public sealed record PreferencePair(string Prompt, RgbImage Chosen, RgbImage Rejected)
{
    /// <summary>An optional identifier (the folder format's "id", the parquet "id" column, or the parquet row index).</summary>
    public string? Id { get; init; }

    /// <summary>Optional extra string fields carried along with the pair (e.g. model names); never null, may be empty.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
}
