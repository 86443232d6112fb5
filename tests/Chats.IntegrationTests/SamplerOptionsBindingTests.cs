using Chats.Core.Guidance;
using Chats.Core.Sampling;
using Chats.Sampler;
using Microsoft.Extensions.Configuration;

namespace Chats.IntegrationTests;

/// <summary>The sampler's request bounds default to Core's <see cref="SamplingLimits"/> and keep their README values and keys.</summary>
public sealed class SamplerOptionsBindingTests
{
    [Fact]
    public void Unset_AreTheReadmeDefaults_WhichAreCoresSamplingLimits()
    {
        var options = Bind([]);
        var limits = new SamplingLimits();

        Assert.Equal((GuidanceMode.Chats, 20, 150, 4, 32), (options.DefaultMode, options.DefaultSteps, options.MaxSteps, options.MaxImages, options.MaxConcurrentGenerations));
        Assert.Equal((limits.DefaultMode, limits.DefaultSteps, limits.MaxSteps, limits.MaxImages), (options.DefaultMode, options.DefaultSteps, options.MaxSteps, options.MaxImages));
    }

    [Fact]
    public void Configured_BindsFromTheSamplerSection()
    {
        var options = Bind(new()
        {
            ["Sampler:DefaultMode"] = "cfg",
            ["Sampler:DefaultSteps"] = "7",
            ["Sampler:MaxSteps"] = "9",
            ["Sampler:MaxImages"] = "2",
        });

        Assert.Equal((GuidanceMode.Cfg, 7, 9, 2), (options.DefaultMode, options.DefaultSteps, options.MaxSteps, options.MaxImages));
    }

    private static SamplerOptions Bind(Dictionary<string, string?> settings)
    {
        settings["Sampler:ModelPath"] = "m";
        return new ConfigurationBuilder().AddInMemoryCollection(settings).Build()
            .GetSection(SamplerOptions.Section).Get<SamplerOptions>()!;
    }
}
