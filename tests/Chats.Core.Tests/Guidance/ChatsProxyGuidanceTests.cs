using Chats.Core.Guidance;

namespace Chats.Core.Tests.Guidance;

/// <summary>CHATS proxy (Eq. 17): ε = (1+s)·ε+(c) − s·ε−(c̃), c̃ = −α·c + (1+α)·∅.</summary>
public sealed class ChatsProxyGuidanceTests
{
    [Fact]
    public void ProxyConditioning_SmallArrays_MatchesHandComputedValues()
    {
        float[] conditional = [1f, 2f];
        float[] unconditional = [3f, -1f];

        float[] proxy = ChatsProxyGuidance.ProxyConditioning(conditional, unconditional, 0.5f);

        // −0.5·[1, 2] + 1.5·[3, −1] = [4, −2.5].
        Assert.Equal([4f, -2.5f], proxy);
    }

    [Fact]
    public void ProxyConditioning_SpanOverload_WritesDestination()
    {
        float[] conditional = [2f, -2f, 0f];
        float[] unconditional = [1f, 1f, 5f];
        var destination = new float[3];

        ChatsProxyGuidance.ProxyConditioning(conditional, unconditional, 1f, destination);

        // −[2, −2, 0] + 2·[1, 1, 5] = [0, 4, 10].
        Assert.Equal([0f, 4f, 10f], destination);
    }

    [Fact]
    public void Combine_SmallArrays_MatchesHandComputedValues()
    {
        float[] preferred = [1f, 2f];
        float[] dispreferredProxy = [4f, -2.5f];
        var destination = new float[2];

        ChatsProxyGuidance.Combine(preferred, dispreferredProxy, 2f, destination);

        // 3·[1, 2] − 2·[4, −2.5] = [−5, 11].
        Assert.Equal([-5f, 11f], destination);
    }

    [Fact]
    public void ProxyGuidance_AlphaZero_EqualsTwoModelCfg()
    {
        float[] conditional = [0.3f, -1.7f, 9f];
        float[] unconditional = [-0.1f, 0.25f, 3.3f];

        float[] proxy = ChatsProxyGuidance.ProxyConditioning(conditional, unconditional, 0f);

        // c̃ = −0·c + 1·∅ = ∅ exactly: θ− is evaluated on the unconditional prompt, i.e. two-model CFG.
        Assert.Equal(unconditional, proxy);

        float[] preferredOnC = [1f, 2f, -3f];
        float[] dispreferredOnNull = [0.5f, -1f, 2f];
        var destination = new float[3];
        ChatsProxyGuidance.Combine(preferredOnC, dispreferredOnNull, 2f, destination);
        Assert.Equal([2f, 8f, -13f], destination); // 3·ε+(c) − 2·ε−(∅)
    }

    [Theory]
    [InlineData(2, 3, 3)]
    [InlineData(3, 2, 3)]
    [InlineData(3, 3, 2)]
    public void ProxyConditioning_LengthMismatch_Throws(int conditional, int unconditional, int destination)
    {
        Assert.Throws<ArgumentException>(() =>
            ChatsProxyGuidance.ProxyConditioning(new float[conditional], new float[unconditional], 0.5f, new float[destination]));
    }

    [Fact]
    public void Combine_LengthMismatch_Throws()
    {
        Assert.Throws<ArgumentException>(() => ChatsProxyGuidance.Combine(new float[3], new float[2], 1f, new float[3]));
    }
}
