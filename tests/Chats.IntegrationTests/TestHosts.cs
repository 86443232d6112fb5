using System.Globalization;
using Chats.Gateway;
using Chats.Sampler;
using Chats.ServiceDefaults;
using Microsoft.AspNetCore.Builder;

namespace Chats.IntegrationTests;

/// <summary>
/// In-process sampler and gateway hosts for one test, on loopback ports of their own, stopped in reverse order
/// (gateways before the samplers behind them).
/// </summary>
internal sealed class TestHosts(ChatsSystemFixture fixture) : IAsyncDisposable
{
    private readonly List<WebApplication> _apps = [];

    /// <summary>A sampler host over the running system's text encoder, denoisers and decoder.</summary>
    public Task<WebApplication> StartSamplerAsync(CancellationToken ct, Dictionary<string, string?>? settings = null)
    {
        string Grpc(string role) => fixture.System.Services[role].Grpc.ToString();
        settings ??= [];
        settings["Sampler:ModelPath"] = fixture.ModelPath;
        settings["Sampler:TextEncoder"] = Grpc("text-encoder");
        settings["Sampler:Preferred"] = Grpc("preferred");
        settings["Sampler:Dispreferred"] = Grpc("dispreferred");
        settings["Sampler:Standard"] = Grpc("standard");
        settings["Sampler:Decoder"] = Grpc("decoder");
        return StartAsync(SamplerServiceHost.Build, settings, ct);
    }

    /// <summary>A gateway listing <paramref name="samplers"/> in order (sampler-0, sampler-1, …).</summary>
    public Task<WebApplication> StartGatewayAsync(IEnumerable<Uri> samplers, CancellationToken ct, Dictionary<string, string?>? settings = null)
    {
        settings ??= [];
        int i = 0;
        foreach (var sampler in samplers)
        {
            settings[string.Create(CultureInfo.InvariantCulture, $"Gateway:Samplers:{i++}")] = sampler.ToString();
        }

        return StartAsync(GatewayHost.Build, settings, ct);
    }

    public async ValueTask DisposeAsync()
    {
        for (int i = _apps.Count - 1; i >= 0; i--)
        {
            await _apps[i].StopAsync();
            await _apps[i].DisposeAsync();
        }
    }

    private async Task<WebApplication> StartAsync(
        Func<string[], IReadOnlyDictionary<string, string?>?, WebApplication> build, Dictionary<string, string?> settings, CancellationToken ct)
    {
        settings["Endpoints:Host"] = "127.0.0.1";
        settings["Endpoints:GrpcPort"] = "0";
        settings["Endpoints:HttpPort"] = "0";
        settings.TryAdd("Logging:LogLevel:Default", "Warning");
        settings["Logging:LogLevel:Microsoft.AspNetCore.DataProtection"] = "Error";
        var app = build([], settings);
        _apps.Add(app);
        await app.StartAsync(ct);
        return app;
    }
}
