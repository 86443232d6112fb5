using Chats.Core.Sampling;

namespace Chats.Core.Tests.Sampling;

public sealed class GaussianNoiseTests
{
    [Fact]
    public void Sample_SameSeed_IsIdentical()
    {
        float[] a = GaussianNoise.Sample(1001, 12345UL);
        float[] b = GaussianNoise.Sample(1001, 12345UL);

        Assert.Equal(a.Select(BitConverter.SingleToUInt32Bits), b.Select(BitConverter.SingleToUInt32Bits));
    }

    [Theory]
    [InlineData(0UL, 1UL)]
    [InlineData(42UL, 43UL)]
    [InlineData(ulong.MaxValue, 0UL)]
    public void Sample_DifferentSeeds_Differ(ulong first, ulong second)
    {
        float[] a = GaussianNoise.Sample(64, first);
        float[] b = GaussianNoise.Sample(64, second);

        // Independent N(0, 1) streams agree on an element with probability ~0; require all to differ.
        Assert.All(Enumerable.Range(0, 64), i => Assert.NotEqual(a[i], b[i]));
    }

    [Fact]
    public void Sample_100kValues_HaveStandardNormalMoments()
    {
        const int n = 100_000;
        float[] values = GaussianNoise.Sample(n, 2024UL);

        double mean = values.Average(v => (double)v);
        double variance = values.Sum(v => (v - mean) * (v - mean)) / (n - 1);
        double fourth = values.Sum(v => Math.Pow(v - mean, 4)) / n;

        // Standard error of the mean is 1/√n ≈ 0.0032 and of the sample variance √(2/n) ≈ 0.0045;
        // 5 standard errors give the bounds below (the seed is fixed, so this is deterministic, but a
        // biased generator, e.g. uniforms or a wrong Box–Muller radius, is far outside them).
        Assert.InRange(mean, -0.016, 0.016);
        Assert.InRange(variance, 1 - 0.023, 1 + 0.023);
        // Kurtosis of a normal is 3 (a uniform would give 1.8); its standard error is √(96/n) ≈ 0.031.
        Assert.InRange(fourth / (variance * variance), 3 - 0.16, 3 + 0.16);
        Assert.All(values, v => Assert.True(float.IsFinite(v)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(1001)]
    public void Fill_OddLength_FillsEveryElement(int length)
    {
        var values = new float[length];
        Array.Fill(values, float.NaN);

        GaussianNoise.Fill(values, 7UL);

        Assert.All(values, v => Assert.True(float.IsFinite(v), $"element left unfilled or not finite: {v}"));
    }

    [Theory]
    [InlineData(1, 10)]
    [InlineData(4, 10)]
    [InlineData(7, 8)]
    [InlineData(333, 1000)]
    public void Fill_Prefix_EqualsPrefixOfLongerFill(int shortLength, int longLength)
    {
        var shorter = new float[shortLength];
        var longer = new float[longLength];

        GaussianNoise.Fill(shorter, 99UL);
        GaussianNoise.Fill(longer, 99UL);

        Assert.Equal(shorter, longer.AsSpan(0, shortLength).ToArray());
    }

    [Fact]
    public void Sample_EqualsFill()
    {
        var filled = new float[9];
        GaussianNoise.Fill(filled, 5UL);

        Assert.Equal(filled, GaussianNoise.Sample(9, 5UL));
    }

    [Fact]
    public void Fill_Empty_DoesNothing()
    {
        GaussianNoise.Fill(Span<float>.Empty, 1UL);

        Assert.Empty(GaussianNoise.Sample(0, 1UL));
    }
}
