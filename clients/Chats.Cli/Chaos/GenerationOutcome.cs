namespace Chats.Cli.Chaos;

/// <summary>One generation of the chaos run.</summary>
/// <param name="Request">Index of its request (and reference image).</param>
/// <param name="Started">Stopwatch timestamp at the call.</param>
/// <param name="Ended">Stopwatch timestamp at the last event.</param>
/// <param name="Status">OK or the gRPC status it failed with.</param>
/// <param name="Detail">The status detail, for failures.</param>
/// <param name="Identical">Its PNG equals the reference byte for byte.</param>
/// <param name="MaxPixelDifference">Largest 8-bit channel difference from the reference (0 when identical).</param>
internal sealed record GenerationOutcome(int Request, long Started, long Ended, string Status, string? Detail, bool Identical, int MaxPixelDifference)
{
    public double Seconds => (Ended - Started) / (double)System.Diagnostics.Stopwatch.Frequency;
}
