namespace Chats.Core.Guidance;

internal static class GuidanceChecks
{
    public static void SameLength(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> destination)
    {
        if (a.Length != b.Length || a.Length != destination.Length)
        {
            throw new ArgumentException($"guidance operands differ in length ({a.Length}, {b.Length}, destination {destination.Length})");
        }
    }
}
