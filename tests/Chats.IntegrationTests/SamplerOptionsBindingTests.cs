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

    [Fact]
    public void RoleAddresses_BindFromOneValue_OrFromIndexedKeys()
    {
        var single = Bind(new() { ["Sampler:Preferred"] = "http://127.0.0.1:7001" });
        var indexed = Bind(new()
        {
            ["Sampler:Preferred:0"] = "http://127.0.0.1:7001",
            ["Sampler:Preferred:1"] = "http://127.0.0.1:7002",
            ["Sampler:Dispreferred"] = "dns:///denoiser-dispreferred.chats.svc.cluster.local:5000",
        });

        Assert.Equal(["http://127.0.0.1:7001"], single.Preferred);
        Assert.Empty(single.Dispreferred);
        Assert.Equal(["http://127.0.0.1:7001", "http://127.0.0.1:7002"], indexed.Preferred);
        var (parsed, error) = indexed.Dispreferred.Parse("Sampler:Dispreferred");
        Assert.Null(error);
        Assert.Equal(new ReplicaAddress(null, "denoiser-dispreferred.chats.svc.cluster.local", 5000, IsDns: true), Assert.Single(parsed));
    }

    [Theory]
    [InlineData("Sampler:Preferred:1", "not a url", "Sampler:Preferred:1 = 'not a url': not an http://host:port or dns:///host:port address")]
    [InlineData("Sampler:Preferred:1", "dns:///no-port", "Sampler:Preferred:1 = 'dns:///no-port': a dns:/// address is dns:///host:port, with the port")]
    [InlineData("Sampler:Failover:MaxAttempts", "0", "Sampler:Failover:MaxAttempts:")]
    public void ABadAddressOrPolicy_FailsStartUp_NamingTheKeyAndValue(string key, string value, string expected)
    {
        var e = Assert.ThrowsAny<Exception>(() => SamplerServiceHost.Build([], new Dictionary<string, string?>
        {
            ["Sampler:ModelPath"] = "m",
            ["Sampler:TextEncoder"] = "http://127.0.0.1:1",
            ["Sampler:Decoder"] = "http://127.0.0.1:1",
            ["Sampler:Preferred:0"] = "http://127.0.0.1:1",
            [key] = value,
            ["Endpoints:Host"] = "127.0.0.1",
            ["Endpoints:GrpcPort"] = "0",
            ["Endpoints:HttpPort"] = "0",
            ["Logging:LogLevel:Default"] = "Warning",
        }));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    private static SamplerOptions Bind(Dictionary<string, string?> settings)
    {
        settings["Sampler:ModelPath"] = "m";
        return new ConfigurationBuilder().AddInMemoryCollection(settings).Build()
            .GetSection(SamplerOptions.Section).Get<SamplerOptions>()!;
    }
}
