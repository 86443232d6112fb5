using Chats.Training.Data;

namespace Chats.Training.Shapes;

/// <summary>
/// Settings of <see cref="ShapesPreferencePairs"/>: which model is sampled, how, on how many prompts, and where the
/// pairs go. Every image is regenerated exactly from these settings.
/// </summary>
public sealed record ShapesPairsOptions
{
    /// <summary>Largest <see cref="Prompts"/> · <see cref="MaxImagesPerPrompt"/>, so the seeds of two base seeds never overlap.</summary>
    public const int SeedStride = 1_000_000;

    /// <summary>The folder that receives <c>pairs.jsonl</c>, <c>images/</c> and <c>summary.json</c>; must not hold a <c>pairs.jsonl</c>.</summary>
    public required string Output { get; init; }

    /// <summary>The sampled pipeline folder, recorded in <c>summary.json</c> (the caller opens the pipeline).</summary>
    public required string ModelPath { get; init; }

    /// <summary>Prompts drawn from the grammar (categories uniform).</summary>
    public int Prompts { get; init; } = 600;

    /// <summary>Images per prompt (K): one request of K images sharing one batched UNet pass.</summary>
    public int ImagesPerPrompt { get; init; } = 8;

    /// <summary>
    /// The per-category target: after the first round, categories with fewer pairs get extra rounds of images
    /// (<see cref="ShapesPairsBudgetPlanner"/>) until they reach it or their prompts reach <see cref="MaxImagesPerPrompt"/>.
    /// 0 (the default) samples only the first round.
    /// </summary>
    public int MinPairsPerCategory { get; init; }

    /// <summary>
    /// The cap on a prompt's images over all rounds; null means <see cref="ImagesPerPrompt"/> (no extra rounds). Bounds
    /// the sampling budget at <see cref="Prompts"/> · this.
    /// </summary>
    public int? MaxImagesPerPrompt { get; init; }

    /// <summary>The per-prompt cap in effect: <see cref="MaxImagesPerPrompt"/> or <see cref="ImagesPerPrompt"/>.</summary>
    public int ImageCap => MaxImagesPerPrompt ?? ImagesPerPrompt;

    /// <summary>CFG guidance scale s in the paper's convention (diffusers' w = s + 1).</summary>
    public float GuidanceScale { get; init; } = 5f;

    /// <summary>Sampling steps (the pipeline's default scheduler).</summary>
    public int Steps { get; init; } = 20;

    /// <summary>
    /// Seed of the prompt draws; prompt p's first-round request uses noise seed <c>Seed · 1 000 000 + p · K</c>, and
    /// its image k seed + k; extra images follow all first-round ones (<see cref="ImageSeed"/>). Not negative.
    /// </summary>
    public int Seed { get; init; } = 1;

    /// <summary>
    /// Decides whether an image is correct for its prompt; null means <see cref="ShapesScorer.Judge(ShapesPrompt, ReadOnlySpan{byte}, int, int)"/>.
    /// Tests replace it to exercise pairing on models that never draw a correct scene.
    /// </summary>
    public Func<ShapesPrompt, RgbImage, bool>? Judge { get; init; }

    /// <summary>The noise seed of prompt <paramref name="promptIndex"/>'s first-round request (image k adds k).</summary>
    public ulong RequestSeed(int promptIndex) => ImageSeed(promptIndex, 0);

    /// <summary>
    /// The noise seed of prompt p's image j (0-based over all rounds). The first round's images keep the seeds they
    /// had before extra rounds existed, <c>Seed · 1 000 000 + p · K + j</c>; image j ≥ K of prompt p gets
    /// <c>Seed · 1 000 000 + Prompts · K + p · (cap − K) + (j − K)</c>, after every first-round seed. Each prompt's
    /// seeds are consecutive within a round's request, and all lie below <c>(Seed + 1) · 1 000 000</c>.
    /// </summary>
    public ulong ImageSeed(int promptIndex, int image)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(promptIndex);
        ArgumentOutOfRangeException.ThrowIfNegative(image);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(image, ImageCap);
        ulong baseSeed = (ulong)Seed * SeedStride;
        ulong k = (ulong)ImagesPerPrompt;
        return image < ImagesPerPrompt
            ? baseSeed + ((ulong)promptIndex * k) + (ulong)image
            : baseSeed + ((ulong)Prompts * k) + ((ulong)promptIndex * (ulong)(ImageCap - ImagesPerPrompt)) + (ulong)(image - ImagesPerPrompt);
    }

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
        else if (MaxImagesPerPrompt is { } cap && cap < ImagesPerPrompt)
        {
            problems.Add($"max images per prompt ({cap}) must not be below images per prompt ({ImagesPerPrompt})");
        }
        else if ((long)Prompts * ImageCap > SeedStride)
        {
            problems.Add($"{Prompts} prompts x {ImageCap} images exceed {SeedStride}: the noise seeds would overlap those of seed {Seed + 1}");
        }

        if (MinPairsPerCategory < 0)
        {
            problems.Add($"min pairs per category must not be negative, got {MinPairsPerCategory}");
        }
        else if (MinPairsPerCategory > 0 && ImageCap <= ImagesPerPrompt)
        {
            problems.Add($"min pairs per category ({MinPairsPerCategory}) needs max images per prompt above images per prompt ({ImagesPerPrompt}) to sample extra rounds");
        }

        return problems;
    }
}
