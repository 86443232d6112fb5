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
        var sampler = builder.Snapshot<SamplerOptions>(SamplerOptions.Section);
        AddRoleClient(builder, "text-encoder", sampler.TextEncoder, c => new Protos.V1.TextEncoder.TextEncoderClient(c));
        AddRoleClient(builder, "decoder", sampler.Decoder, c => new Protos.V1.Decoder.DecoderClient(c));
        AddRoleClient(builder, "preferred", sampler.Preferred, c => new Protos.V1.Denoiser.DenoiserClient(c));
        AddRoleClient(builder, "dispreferred", sampler.Dispreferred, c => new Protos.V1.Denoiser.DenoiserClient(c));
        AddRoleClient(builder, "standard", sampler.Standard, c => new Protos.V1.Denoiser.DenoiserClient(c));
        builder.Services.AddSingleton<SamplerPhaseMetrics>();
        builder.Services.AddSingleton<SamplerTopology>();
        builder.Services.AddSingleton(sp => new ConcurrencyLimiter(sp.GetRequiredService<IOptions<SamplerOptions>>().Value.MaxConcurrentGenerations));

        var app = builder.Build();
        app.MapChatsServiceDefaults();
        app.MapGrpcService<SamplerService>();
        return app;
    }

    // One named client per role: the same generated client type points at different deployments, and each
    // gets its own long-lived channel. Deadlines and cancellation of the incoming call flow into these calls.
    private static void AddRoleClient<TClient>(WebApplicationBuilder builder, string name, Uri? address, Func<Grpc.Core.CallInvoker, TClient> create)
        where TClient : class
    {
        if (address is null)
        {
            return;
        }

        builder.Services.AddGrpcClient<TClient>(name, o =>
            {
                o.Address = address;
                o.Creator = create;
            })
            .ConfigureChannel(c =>
            {
                c.MaxReceiveMessageSize = 64 * 1024 * 1024;
                c.MaxSendMessageSize = 64 * 1024 * 1024;
            })
            .EnableCallContextPropagation(o => o.SuppressContextNotFoundErrors = true);
    }
}
