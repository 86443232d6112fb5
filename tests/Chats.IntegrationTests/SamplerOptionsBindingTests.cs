using Chats.Core.Guidance;
using Chats.Core.Sampling;
using Chats.Core.Tensors;
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

    [Fact]
    public void WireDtype_DefaultsToFloat32_AndBindsFromTheSamplerSection()
    {
        Assert.Equal(WireDType.Float32, Bind([]).ParsedWireDtype());
        Assert.Equal(WireDType.BFloat16, Bind(new() { ["Sampler:WireDtype"] = "bfloat16" }).ParsedWireDtype());
    }

    [Fact]
    public void UnknownWireDtype_FailsStartUp_NamingKeyAndValue()
    {
        // Options are validated in Build (before anything listens), like a bad model folder.
        var e = Assert.ThrowsAny<Exception>(() => SamplerServiceHost.Build([], new Dictionary<string, string?>
        {
            ["Sampler:ModelPath"] = "m",
            ["Sampler:TextEncoder"] = "http://127.0.0.1:1",
            ["Sampler:Decoder"] = "http://127.0.0.1:1",
            ["Sampler:WireDtype"] = "fp16",
            ["Endpoints:Host"] = "127.0.0.1",
            ["Endpoints:GrpcPort"] = "0",
            ["Endpoints:HttpPort"] = "0",
            ["Logging:LogLevel:Default"] = "Warning",
        }));

        Assert.Contains("Sampler:WireDtype: 'fp16' is not a wire dtype; use float32, float16, bfloat16", e.Message, StringComparison.Ordinal);
    }

    private static SamplerOptions Bind(Dictionary<string, string?> settings)
    {
        settings["Sampler:ModelPath"] = "m";
        return new ConfigurationBuilder().AddInMemoryCollection(settings).Build()
            .GetSection(SamplerOptions.Section).Get<SamplerOptions>()!;
    }
}
