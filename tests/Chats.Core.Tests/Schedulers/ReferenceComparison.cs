namespace Chats.Core.Tests.Schedulers;

/// <summary>Error of a computed tensor against a reference, relative to the reference's largest magnitude.</summary>
internal static class ReferenceComparison
{
    public static double RelativeError(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double maxAbsError = 0;
        double maxMagnitude = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            maxAbsError = Math.Max(maxAbsError, Math.Abs((double)actual[i] - expected[i]));
            maxMagnitude = Math.Max(maxMagnitude, Math.Abs((double)expected[i]));
        }

        return maxAbsError / Math.Max(maxMagnitude, 1e-30);
    }
}
