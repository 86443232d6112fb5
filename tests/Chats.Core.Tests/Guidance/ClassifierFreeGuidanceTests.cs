using Chats.Core.Guidance;

namespace Chats.Core.Tests.Guidance;

/// <summary>CFG in the paper's convention: ε = (1+s)·ε(c) − s·ε(∅).</summary>
public sealed class ClassifierFreeGuidanceTests
{
    [Fact]
    public void Combine_SmallArrays_MatchesHandComputedValues()
    {
        float[] conditional = [1f, 2f, -3f];
        float[] unconditional = [0.5f, -1f, 2f];
        var destination = new float[3];

        ClassifierFreeGuidance.Combine(conditional, unconditional, 2f, destination);

        // s = 2: 3·c − 2·u = [3 − 1, 6 + 2, −9 − 4] (all exact in binary32).
        Assert.Equal([2f, 8f, -13f], destination);
    }

    [Fact]
    public void Combine_ScaleZero_ReturnsTheConditional()
    {
        float[] conditional = [0.1f, -7.25f, 3.3f, 1e-20f];
        float[] unconditional = [100f, -5f, 0.7f, 42f];
        var destination = new float[4];

        ClassifierFreeGuidance.Combine(conditional, unconditional, 0f, destination);

        Assert.Equal(conditional, destination);
    }

    [Theory]
    [InlineData(5f, 6f)]
    [InlineData(0f, 1f)]
    [InlineData(6.5f, 7.5f)]
    public void DiffusersScale_IsPaperScalePlusOne_BothWays(float paperScale, float diffusersScale)
    {
        Assert.Equal(diffusersScale, ClassifierFreeGuidance.ToDiffusersGuidanceScale(paperScale));
        Assert.Equal(paperScale, ClassifierFreeGuidance.FromDiffusersGuidanceScale(diffusersScale));
    }

    [Fact]
    public void Combine_DiffusersForm_EqualsPaperForm()
    {
        // diffusers: ε = ε(∅) + w·(ε(c) − ε(∅)) with w = 7.5 ⇔ s = 6.5.
        float[] conditional = [0.25f, -1.5f];
        float[] unconditional = [1f, 0.5f];
        var destination = new float[2];

        ClassifierFreeGuidance.Combine(conditional, unconditional, ClassifierFreeGuidance.FromDiffusersGuidanceScale(7.5f), destination);

        // 1 + 7.5·(0.25 − 1) = −4.625; 0.5 + 7.5·(−1.5 − 0.5) = −14.5.
        Assert.Equal(-4.625f, destination[0], 1e-5f);
        Assert.Equal(-14.5f, destination[1], 1e-5f);
    }

    [Theory]
    [InlineData(3, 2, 3)]
    [InlineData(3, 3, 2)]
    [InlineData(2, 3, 3)]
    public void Combine_LengthMismatch_Throws(int conditional, int unconditional, int destination)
    {
        Assert.Throws<ArgumentException>(() =>
            ClassifierFreeGuidance.Combine(new float[conditional], new float[unconditional], 1f, new float[destination]));
    }
}
