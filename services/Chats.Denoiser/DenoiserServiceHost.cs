using Chats.Inference.Roles;
using Chats.Inference.Engine;
using Chats.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Chats.Denoiser;

/// <summary>The one place the denoiser service is wired together.</summary>
public static class DenoiserServiceHost
{
    /// <summary>Builds the service; <paramref name="overrides"/> are configuration values applied last.</summary>
    public static WebApplication Build(string[] args, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var builder = ChatsServiceHost.CreateBuilder(args, overrides);
        builder.ReportHealthAs(Protos.V1.Denoiser.Descriptor.FullName);
        builder.AddValidatedOptions<DenoiserOptions>(DenoiserOptions.Section);
        builder.DefaultReceiveLimit(sp => DenoiserReceiveLimit.Bytes(sp.GetRequiredService<DenoiserSessionEngine>()));
        builder.Services.AddSingleton<IDenoiserModel>(sp =>
        {
            var o = sp.GetRequiredService<IOptions<DenoiserOptions>>().Value;
            return DenoiserModels.Load(o.ModelPath, o.ResolvedComponent, o.ModelId, o.Placement());
        });
        builder.Services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<DenoiserOptions>>().Value;
            var engine = new DenoiserSessionEngine(sp.GetRequiredService<IDenoiserModel>(), o.EngineOptions());
            DenoiserMetrics.Observe(engine, o.Role.ToString().ToLowerInvariant());
            var log = sp.GetRequiredService<ILoggerFactory>().CreateLogger("Chats.Denoiser.Sessions");
            engine.SessionClosed += s => DenoiserLog.Closed(log, s);
            return engine;
        });

        var app = builder.Build();
        app.MapChatsServiceDefaults();
        app.MapGrpcService<DenoiserService>();

        // Load weights before accepting traffic: a bad model folder fails start-up, not a request.
        var engine = app.LoadBeforeStart<DenoiserSessionEngine>();

        // Sessions still open when the drain runs out of time are closed as ShuttingDown (UNAVAILABLE: the sampler
        // moves them to another replica) while the host is still up; the engine waits for the forward in flight, so
        // no libtorch call runs into the host's teardown.
        var drain = app.Services.GetRequiredService<ServiceDrain>();
        drain.Expired.Register(() => Task.Run(engine.Dispose));
        return app;
    }
}
