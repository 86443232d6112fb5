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

    [Fact]
    public void MaxLatentSide_Unset_IsTheSamplersLargestSideOverThePipelinesVaeFactor()
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "models", "shapes-chats", "vae", "config.json")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("repository root not found");
        }

        // The shapes VAE has 3 levels (factor 4): a 2048 px generation needs 512-cell latents, which 256 refused.
        var shapes = Bind(new() { ["Denoiser:ModelPath"] = Path.Combine(root, "models", "shapes-chats") }).EngineOptions();
        var noVae = Bind(new() { ["Denoiser:ModelPath"] = Path.Combine(root, "no-such-pipeline") }).EngineOptions();
        var set = Bind(new() { ["Denoiser:ModelPath"] = "m", ["Denoiser:MaxLatentSide"] = "100" }).EngineOptions();

        Assert.Equal(512, shapes.MaxLatentSide);
        Assert.Equal(256, noVae.MaxLatentSide);
        Assert.Equal(100, set.MaxLatentSide);
    }

    private static DenoiserOptions Bind(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build()
            .GetSection(DenoiserOptions.Section).Get<DenoiserOptions>() ?? new DenoiserOptions();
}
