using Chats.Core.Guidance;

namespace Chats.Core.Tests.Guidance;

/// <summary>CHATS full (Eq. 16): ε = (1+s)·ε+(c) − s·[−α·ε−(c) + (1+α)·ε−(∅)].</summary>
public sealed class ChatsFullGuidanceTests
{
    /// <summary>Reassociated float32 arithmetic: a few ulp of values of magnitude ≤ ~100.</summary>
    private const float Tolerance = 1e-4f;

    [Fact]
    public void Combine_SmallArrays_MatchesHandComputedValues()
    {
        float[] preferred = [1f, 2f];
        float[] dispreferredConditional = [0.5f, -1f];
        float[] dispreferredUnconditional = [2f, 4f];
        var destination = new float[2];

        ChatsFullGuidance.Combine(preferred, dispreferredConditional, dispreferredUnconditional, 2f, 0.5f, destination);

        // negative = −0.5·[0.5, −1] + 1.5·[2, 4] = [2.75, 6.5]; ε = 3·[1, 2] − 2·[2.75, 6.5] = [−2.5, −7].
        Assert.Equal([-2.5f, -7f], destination);
    }

    [Theory]
    [InlineData(5f, 0.5f)]
    [InlineData(2f, 1f)]
    [InlineData(7.5f, 0.25f)]
    public void Combine_SameModel_EqualsCfgWithScaleTimesOnePlusAlpha(float scale, float alpha)
    {
        float[] conditional = [0.3f, -1.2f, 2.5f, 0f, -0.01f];
        float[] unconditional = [-0.7f, 0.4f, 2.4f, 1f, 3f];
        var full = new float[5];

        ChatsFullGuidance.Combine(conditional, conditional, unconditional, scale, alpha, full);

        // Hand: ε = (1 + s(1+α))·c − s(1+α)·u, computed in double.
        double effective = scale * (1.0 + alpha);
        for (int i = 0; i < full.Length; i++)
        {
            double expected = ((1 + effective) * conditional[i]) - (effective * unconditional[i]);
            Assert.Equal(expected, full[i], Tolerance);
        }

        var cfg = new float[5];
        ClassifierFreeGuidance.Combine(conditional, unconditional, scale * (1f + alpha), cfg);
        for (int i = 0; i < full.Length; i++)
        {
            Assert.Equal(cfg[i], full[i], Tolerance);
        }
    }

    [Fact]
    public void Combine_AlphaZeroSameModel_EqualsCfgWithScale()
    {
        float[] conditional = [0.3f, -1.2f, 2.5f];
        float[] unconditional = [-0.7f, 0.4f, 2.4f];
        var full = new float[3];

        ChatsFullGuidance.Combine(conditional, conditional, unconditional, 4f, 0f, full);

        for (int i = 0; i < full.Length; i++)
        {
            double expected = (5.0 * conditional[i]) - (4.0 * unconditional[i]);
            Assert.Equal(expected, full[i], Tolerance);
        }
    }

    [Fact]
    public void Combine_AlphaMatters_WhenModelsDiffer()
    {
        // Guard against an implementation that ignores ε−(c): with α = 1, s = 1, ε+ = 0, ε−(∅) = 0,
        // ε = −1·[−1·ε−(c)] = ε−(c).
        float[] zeros = [0f, 0f];
        float[] dispreferredConditional = [3f, -4f];
        var destination = new float[2];

        ChatsFullGuidance.Combine(zeros, dispreferredConditional, zeros, 1f, 1f, destination);

        Assert.Equal([3f, -4f], destination);
    }

    [Theory]
    [InlineData(2, 3, 3, 3)]
    [InlineData(3, 2, 3, 3)]
    [InlineData(3, 3, 2, 3)]
    [InlineData(3, 3, 3, 2)]
    public void Combine_LengthMismatch_Throws(int preferred, int dispreferred, int unconditional, int destination)
    {
        Assert.Throws<ArgumentException>(() => ChatsFullGuidance.Combine(
            new float[preferred], new float[dispreferred], new float[unconditional], 1f, 0.5f, new float[destination]));
    }
}
