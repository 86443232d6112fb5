using Chats.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Chats.Sampler;

/// <summary>The one place the sampler service is wired together.</summary>
public static class SamplerServiceHost
{
    /// <summary>Builds the service; <paramref name="overrides"/> are configuration values applied last.</summary>
    public static WebApplication Build(string[] args, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var builder = ChatsServiceHost.CreateBuilder(args, overrides);
        builder.ReportHealthAs(Protos.V1.Sampler.Descriptor.FullName);
        builder.AddValidatedOptions<SamplerOptions>(SamplerOptions.Section);
        builder.Services.AddSingleton<SamplerReplicas>();
        builder.Services.AddSingleton<SamplerPhaseMetrics>();
        builder.Services.AddSingleton<SamplerTopology>();
        builder.Services.AddSingleton(sp => new ConcurrencyLimiter(sp.GetRequiredService<IOptions<SamplerOptions>>().Value.MaxConcurrentGenerations));

        var app = builder.Build();
        app.MapChatsServiceDefaults();
        app.MapGrpcService<SamplerService>();
        return app;
    }
}
