using Chats.Core.Sampling;
using Chats.Denoiser;
using Microsoft.Extensions.Configuration;

namespace Chats.IntegrationTests;

/// <summary><c>Denoiser:Role</c> as the README and the local launcher write it binds to the role and its component.</summary>
public sealed class DenoiserOptionsBindingTests
{
    [Theory]
    [InlineData("Preferred", DenoiserRole.Preferred, "unet_win")]
    [InlineData("preferred", DenoiserRole.Preferred, "unet_win")]
    [InlineData("DISPREFERRED", DenoiserRole.Dispreferred, "unet_lose")]
    [InlineData("standard", DenoiserRole.Standard, "unet")]
    public void Role_BindsCaseInsensitively_AndPicksItsComponent(string configured, DenoiserRole role, string component)
    {
        var options = Bind(new() { ["Denoiser:ModelPath"] = "m", ["Denoiser:Role"] = configured });

        Assert.Equal(role, options.Role);
        Assert.Equal(component, options.ResolvedComponent);
    }

    [Fact]
    public void Component_WhenSet_OverridesTheRolesDefault()
    {
        var options = Bind(new() { ["Denoiser:Role"] = "Preferred", ["Denoiser:Component"] = "unet" });

        Assert.Equal("unet", options.ResolvedComponent);
    }

    [Fact]
    public void Role_Unset_IsStandard() => Assert.Equal("unet", Bind([]).ResolvedComponent);

    private static DenoiserOptions Bind(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build()
            .GetSection(DenoiserOptions.Section).Get<DenoiserOptions>() ?? new DenoiserOptions();
}
