using Chats.Training.Data;

namespace Chats.Training.Shapes;

/// <summary>
/// Settings of <see cref="ShapesPreferencePairs"/>: which model is sampled, how, on how many prompts, and where the
/// pairs go. Every image is regenerated exactly from these settings.
/// </summary>
public sealed record ShapesPairsOptions
{
    /// <summary>Largest <see cref="Prompts"/> · <see cref="ImagesPerPrompt"/>, so the seeds of two base seeds never overlap.</summary>
    public const int SeedStride = 1_000_000;

    /// <summary>The folder that receives <c>pairs.jsonl</c>, <c>images/</c> and <c>summary.json</c>; must not hold a <c>pairs.jsonl</c>.</summary>
    public required string Output { get; init; }

    /// <summary>The sampled pipeline folder, recorded in <c>summary.json</c> (the caller opens the pipeline).</summary>
    public required string ModelPath { get; init; }

    /// <summary>Prompts drawn from the grammar (categories uniform).</summary>
    public int Prompts { get; init; } = 600;

    /// <summary>Images per prompt (K): one request of K images sharing one batched UNet pass.</summary>
    public int ImagesPerPrompt { get; init; } = 8;

    /// <summary>CFG guidance scale s in the paper's convention (diffusers' w = s + 1).</summary>
    public float GuidanceScale { get; init; } = 5f;

    /// <summary>Sampling steps (the pipeline's default scheduler).</summary>
    public int Steps { get; init; } = 20;

    /// <summary>
    /// Seed of the prompt draws; prompt p's request uses noise seed <c>Seed · 1 000 000 + p · K</c>, and its image k
    /// seed + k. Not negative.
    /// </summary>
    public int Seed { get; init; } = 1;

    /// <summary>
    /// Decides whether an image is correct for its prompt; null means <see cref="ShapesScorer.Judge(ShapesPrompt, ReadOnlySpan{byte}, int, int)"/>.
    /// Tests replace it to exercise pairing on models that never draw a correct scene.
    /// </summary>
    public Func<ShapesPrompt, RgbImage, bool>? Judge { get; init; }

    /// <summary>The noise seed of prompt <paramref name="promptIndex"/>'s request (image k adds k).</summary>
    public ulong RequestSeed(int promptIndex) => ((ulong)Seed * SeedStride) + ((ulong)promptIndex * (ulong)ImagesPerPrompt);

    /// <summary>What is wrong with these settings, one sentence each naming the setting; empty when they can run.</summary>
    /// <remarks>Checks only what needs no model; the pipeline validates steps, guidance and size again.</remarks>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Output))
        {
            problems.Add("the output folder is not set");
        }

        if (ModelPath is null)
        {
            problems.Add("the model path is not set");
        }

        if (Prompts <= 0)
        {
            problems.Add($"prompts must be positive, got {Prompts}");
        }

        if (Steps <= 0)
        {
            problems.Add($"steps must be positive, got {Steps}");
        }

        if (Seed < 0)
        {
            problems.Add($"seed must not be negative, got {Seed}");
        }

        if (ImagesPerPrompt < 2)
        {
            problems.Add($"images per prompt must be at least 2 (a pair needs two images of one prompt), got {ImagesPerPrompt}");
        }
        else if ((long)Prompts * ImagesPerPrompt > SeedStride)
        {
            problems.Add($"{Prompts} prompts x {ImagesPerPrompt} images exceed {SeedStride}: the noise seeds would overlap those of seed {Seed + 1}");
        }

        return problems;
    }
}
