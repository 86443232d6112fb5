using Chats.Core.Sampling;

namespace Chats.Core.Tests.Sampling;

public sealed class DenoiserComponentsTests
{
    [Theory]
    [InlineData(DenoiserRole.Preferred, "unet_win")]
    [InlineData(DenoiserRole.Dispreferred, "unet_lose")]
    [InlineData(DenoiserRole.Standard, "unet")]
    public void For_EachRole_IsTheComponentTheChatsPipelinesShip(DenoiserRole role, string component) =>
        Assert.Equal(component, DenoiserComponents.For(role));

    [Fact]
    public void For_UndefinedRole_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => DenoiserComponents.For((DenoiserRole)42));
}
