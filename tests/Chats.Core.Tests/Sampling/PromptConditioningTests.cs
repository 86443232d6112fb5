using Chats.Core.Sampling;
using Chats.Core.Tensors;

namespace Chats.Core.Tests.Sampling;

public sealed class PromptConditioningTests
{
    [Fact]
    public void Proxy_AppliesProxyToHiddenStatesAndPooled()
    {
        var conditional = new PromptConditioning(
            new HostTensor([1f, 2f, 3f, 4f], [2, 2]), new HostTensor([2f, -2f], [2]));
        var unconditional = new PromptConditioning(
            new HostTensor([0f, 0f, 1f, 1f], [2, 2]), new HostTensor([1f, 1f], [2]));

        PromptConditioning proxy = PromptConditioning.Proxy(conditional, unconditional, 1f);

        // α = 1: c̃ = −c + 2·∅.
        Assert.Equal([-1f, -2f, -1f, -2f], proxy.HiddenStates.Data);
        Assert.Equal([2L, 2L], proxy.HiddenStates.Shape);
        Assert.NotNull(proxy.Pooled);
        Assert.Equal([0f, 4f], proxy.Pooled.Data);
        Assert.Equal([2L], proxy.Pooled.Shape);
    }

    [Fact]
    public void Proxy_WithoutPooled_HasNoPooled()
    {
        var conditional = new PromptConditioning(new HostTensor([1f, 2f], [1, 2]), null);
        var unconditional = new PromptConditioning(new HostTensor([3f, -1f], [1, 2]), null);

        PromptConditioning proxy = PromptConditioning.Proxy(conditional, unconditional, 0.5f);

        Assert.Equal([4f, -2.5f], proxy.HiddenStates.Data);
        Assert.Null(proxy.Pooled);
    }

    [Fact]
    public void Proxy_DoesNotModifyInputs()
    {
        var conditional = new PromptConditioning(new HostTensor([1f, 2f], [2]), new HostTensor([5f], [1]));
        var unconditional = new PromptConditioning(new HostTensor([3f, -1f], [2]), new HostTensor([6f], [1]));

        _ = PromptConditioning.Proxy(conditional, unconditional, 0.5f);

        Assert.Equal([1f, 2f], conditional.HiddenStates.Data);
        Assert.Equal([3f, -1f], unconditional.HiddenStates.Data);
        Assert.Equal([5f], conditional.Pooled!.Data);
        Assert.Equal([6f], unconditional.Pooled!.Data);
    }

    [Fact]
    public void Proxy_HiddenStatesShapeMismatchWithSameElementCount_Throws()
    {
        var conditional = new PromptConditioning(new HostTensor(new float[4], [2, 2]), null);
        var unconditional = new PromptConditioning(new HostTensor(new float[4], [4]), null);

        Assert.Throws<ArgumentException>(() => PromptConditioning.Proxy(conditional, unconditional, 0.5f));
    }

    [Fact]
    public void Proxy_PooledOnlyOnOneSide_Throws()
    {
        var conditional = new PromptConditioning(new HostTensor(new float[2], [2]), new HostTensor(new float[2], [2]));
        var unconditional = new PromptConditioning(new HostTensor(new float[2], [2]), null);

        Assert.Throws<ArgumentException>(() => PromptConditioning.Proxy(conditional, unconditional, 0.5f));
        Assert.Throws<ArgumentException>(() => PromptConditioning.Proxy(unconditional, conditional, 0.5f));
    }

    [Fact]
    public void Proxy_PooledLengthMismatch_Throws()
    {
        var conditional = new PromptConditioning(new HostTensor(new float[2], [2]), new HostTensor(new float[3], [3]));
        var unconditional = new PromptConditioning(new HostTensor(new float[2], [2]), new HostTensor(new float[2], [2]));

        Assert.Throws<ArgumentException>(() => PromptConditioning.Proxy(conditional, unconditional, 0.5f));
    }

    [Fact]
    public void Proxy_PooledShapeMismatchWithSameElementCount_Throws()
    {
        var conditional = new PromptConditioning(new HostTensor(new float[2], [2]), new HostTensor(new float[4], [1, 4]));
        var unconditional = new PromptConditioning(new HostTensor(new float[2], [2]), new HostTensor(new float[4], [4]));

        Assert.Throws<ArgumentException>(() => PromptConditioning.Proxy(conditional, unconditional, 0.5f));
    }

    [Fact]
    public void Proxy_NullArguments_Throw()
    {
        var p = new PromptConditioning(new HostTensor(new float[2], [2]), null);

        Assert.Throws<ArgumentNullException>(() => PromptConditioning.Proxy(null!, p, 0.5f));
        Assert.Throws<ArgumentNullException>(() => PromptConditioning.Proxy(p, null!, 0.5f));
    }

    [Fact]
    public void Proxy_AppliesToEveryNamedTensor_AFamilyAddsWithoutCodeChanges()
    {
        var c = new PromptConditioning(new Dictionary<string, HostTensor>
        {
            [ConditioningNames.PromptEmbeds] = new HostTensor([1f, 2f], [1, 2]),
            ["style_embeds"] = new HostTensor([4f, -4f, 8f], [3]),
        });
        var u = new PromptConditioning(new Dictionary<string, HostTensor>
        {
            [ConditioningNames.PromptEmbeds] = new HostTensor([0f, 0f], [1, 2]),
            ["style_embeds"] = new HostTensor([2f, 2f, 2f], [3]),
        });

        var proxy = PromptConditioning.Proxy(c, u, 0.5f);

        // −0.5·c + 1.5·∅ on each tensor.
        Assert.Equal([-0.5f, -1f], proxy.HiddenStates.Data);
        Assert.Equal([1f, 5f, -1f], proxy.Get("style_embeds")!.Data);
        Assert.Equal(["prompt_embeds", "style_embeds"], proxy.Tensors.Keys);
    }

    [Fact]
    public void Proxy_OfConditioningsWithOtherNames_Throws()
    {
        var c = new PromptConditioning(new HostTensor([1f, 2f], [1, 2]), new HostTensor([1f], [1]));
        var u = new PromptConditioning(new Dictionary<string, HostTensor>
        {
            [ConditioningNames.PromptEmbeds] = new HostTensor([1f, 2f], [1, 2]),
            ["other"] = new HostTensor([1f], [1]),
        });

        Assert.Throws<ArgumentException>(() => PromptConditioning.Proxy(c, u, 0.5f));
    }

    [Fact]
    public void Constructor_WithoutPromptEmbeds_Throws() =>
        Assert.Contains(
            "prompt_embeds",
            Assert.Throws<ArgumentException>(() => new PromptConditioning(new Dictionary<string, HostTensor> { ["pooled_prompt_embeds"] = HostTensor.Zeros(2) })).Message,
            StringComparison.Ordinal);

    [Fact]
    public void ZerosLike_KeepsNamesAndShapes_AndWith_AddsATensorWithoutChangingTheOriginal()
    {
        var c = new PromptConditioning(new HostTensor([1f, 2f], [1, 2]), new HostTensor([3f], [1]));

        var zeros = c.ZerosLike();
        var withIds = c.With(ConditioningNames.TimeIds, new HostTensor([64f, 64f, 0f, 0f, 64f, 64f], [6]));

        Assert.Equal(c.Tensors.Keys, zeros.Tensors.Keys);
        Assert.All(zeros.Tensors.Values, t => Assert.All(t.Data, v => Assert.Equal(0f, v)));
        Assert.Equal([1L, 2L], zeros.HiddenStates.Shape);
        Assert.Equal(3, withIds.Tensors.Count);
        Assert.Equal(2, c.Tensors.Count);
        Assert.Null(c.Get(ConditioningNames.TimeIds));
    }
}
