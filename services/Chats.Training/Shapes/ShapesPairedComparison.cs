namespace Chats.Training.Shapes;

/// <summary>What <see cref="ShapesPairedBootstrap.Compare"/> found: two methods' scores on the same prompts and seeds, with confidence intervals of their differences.</summary>
public sealed record ShapesPairedComparison
{
    /// <summary>The overall scores (mean of the six categories) and the interval of overall B − A.</summary>
    public required ShapesScoreDifference Overall { get; init; }

    /// <summary>Each category's scores and the interval of its B − A, in SPEC order.</summary>
    public required IReadOnlyDictionary<ShapesCategory, ShapesScoreDifference> Categories { get; init; }

    /// <summary>The seeds both reports were scored on, ascending.</summary>
    public required IReadOnlyList<int> Seeds { get; init; }

    /// <summary>Method A's overall score under each seed of <see cref="Seeds"/> alone.</summary>
    public required IReadOnlyList<double> SeedOverallA { get; init; }

    /// <summary>Method B's overall score under each seed of <see cref="Seeds"/> alone.</summary>
    public required IReadOnlyList<double> SeedOverallB { get; init; }

    /// <summary>The number of prompts resampled.</summary>
    public required int PromptCount { get; init; }

    /// <summary>The number of bootstrap resamples.</summary>
    public required int Resamples { get; init; }

    /// <summary>The seed of the resampling.</summary>
    public required int Seed { get; init; }

    /// <summary>The confidence level of the intervals (0.95).</summary>
    public double ConfidenceLevel { get; init; } = ShapesPairedBootstrap.ConfidenceLevel;
}
