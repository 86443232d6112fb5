using Chats.Core.Sampling;
using Chats.Decoder;
using Chats.Denoiser;
using Chats.Gateway;
using Chats.Gateway.HttpApi;
using Chats.Sampler;
using Chats.ServiceDefaults;
using Chats.TextEncoder;
using Microsoft.AspNetCore.Builder;

namespace Chats.LocalSystem;

/// <summary>
/// The whole system in one process: text encoder, preferred / dispreferred / standard denoisers, decoder,
/// sampler and gateway, each a separate ASP.NET host on its own free loopback port, talking real gRPC.
/// </summary>
public sealed class LocalChatsSystem : IAsyncDisposable
{
    private readonly List<WebApplication> _apps = [];

    private LocalChatsSystem()
    {
    }

    /// <summary>The gateway's gRPC address (what clients call).</summary>
    public Uri Gateway { get; private set; } = null!;

    /// <summary>
    /// The gateway's HTTP API and playground (<c>http://127.0.0.1:PORT/</c>; <c>Gateway:HttpApiPort</c> in the gateway's
    /// <see cref="LocalSystemOptions.Overrides"/> fixes the port, -1 turns it off and leaves this null).
    /// </summary>
    public Uri? HttpApi { get; private set; }

    /// <summary>Every service by name with its gRPC and HTTP (metrics) addresses.</summary>
    public IReadOnlyDictionary<string, (Uri Grpc, Uri Http, WebApplication App)> Services => _services;

    private readonly Dictionary<string, (Uri Grpc, Uri Http, WebApplication App)> _services = [];

    /// <summary>Starts every service; the roles the model folder lacks (e.g. no <c>unet</c>) are skipped.</summary>
    public static async Task<LocalChatsSystem> StartAsync(LocalSystemOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var system = new LocalChatsSystem();
        try
        {
            var folder = Core.Loading.DiffusersPipelineFolder.Open(options.ModelPath);
            string model = folder.Root;
            var textEncoder = await system.StartAsync("text-encoder", TextEncoderServiceHost.Build, options, new()
            {
                ["TextEncoder:ModelPath"] = model,
                ["TextEncoder:Device"] = options.Device,
                ["TextEncoder:DType"] = options.DType,
                ["EmbeddingCache:Redis"] = options.Redis,
            }, cancellationToken);
            var denoisers = new Dictionary<string, Uri?>();
            string? standardModel = DenoiserComponents.Has(folder, DenoiserRole.Standard) || options.StandardModelPath is null
                ? null
                : Core.Loading.DiffusersPipelineFolder.Open(options.StandardModelPath).Root;
            foreach (var denoiserRole in Enum.GetValues<DenoiserRole>())
            {
                string role = denoiserRole.ToString().ToLowerInvariant();
                string source = denoiserRole == DenoiserRole.Standard && standardModel is not null ? standardModel : model;
                string component = DenoiserComponents.For(denoiserRole, source == model ? folder : Core.Loading.DiffusersPipelineFolder.Open(source));
                denoisers[role] = folder.HasComponent(component) || source != model
                    ? await system.StartAsync(role, DenoiserServiceHost.Build, options, new()
                    {
                        ["Denoiser:ModelPath"] = source,
                        ["Denoiser:Role"] = role,
                        ["Denoiser:Component"] = component,
                        ["Denoiser:Device"] = options.Device,
                        ["Denoiser:DType"] = options.DType,
                        ["Denoiser:Threads"] = Inference.Engine.TorchThreads.ForDenoiser(denoiserRole).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    }, cancellationToken)
                    : null;
            }

            var decoder = await system.StartAsync("decoder", DecoderServiceHost.Build, options, new()
            {
                ["Decoder:ModelPath"] = model,
                ["Decoder:Device"] = options.Device,
                ["Decoder:DType"] = options.DType,
            }, cancellationToken);
            var sampler = await system.StartAsync("sampler", SamplerServiceHost.Build, options, new()
            {
                ["Sampler:ModelPath"] = model,
                ["Sampler:TextEncoder"] = textEncoder.ToString(),
                ["Sampler:Preferred"] = denoisers["preferred"]?.ToString(),
                ["Sampler:Dispreferred"] = denoisers["dispreferred"]?.ToString(),
                ["Sampler:Standard"] = denoisers["standard"]?.ToString(),
                ["Sampler:Decoder"] = decoder.ToString(),
            }, cancellationToken);
            system.Gateway = await system.StartAsync("gateway", GatewayHost.Build, options, new()
            {
                ["Gateway:Samplers:0"] = sampler.ToString(),
                [GatewayHttpOptions.HttpApiPortKey] = "0",
            }, cancellationToken);
            system.HttpApi = system._services["gateway"].App.HttpApiAddress();
            return system;
        }
        catch
        {
            await system.DisposeAsync();
            throw;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // Front first, so nothing new arrives at a backend that is stopping.
        for (int i = _apps.Count - 1; i >= 0; i--)
        {
            await _apps[i].StopAsync();
            await _apps[i].DisposeAsync();
        }

        _apps.Clear();
    }

    private async Task<Uri> StartAsync(
        string name,
        Func<string[], IReadOnlyDictionary<string, string?>?, WebApplication> build,
        LocalSystemOptions options,
        Dictionary<string, string?> settings,
        CancellationToken cancellationToken)
    {
        settings["Endpoints:Host"] = "127.0.0.1";
        settings["Endpoints:GrpcPort"] = "0";
        settings["Endpoints:HttpPort"] = "0";
        if (options.Quiet)
        {
            settings["Logging:LogLevel:Default"] = "Warning";
            // gRPC services use no data-protection keys; its first-run key warning is noise here.
            settings["Logging:LogLevel:Microsoft.AspNetCore.DataProtection"] = "Error";
        }

        // One process, one tracer: a tracer sees every span of the process, whichever host made it, so the gateway's
        // (when Telemetry:OtlpEndpoint is set) exports the whole system's, and the others would only repeat them.
        if (name == "gateway")
        {
            settings["Telemetry:ServiceName"] = "chats-local";
        }
        else
        {
            settings["Telemetry:OtlpEndpoint"] = string.Empty;
        }

        if (options.Overrides.TryGetValue(name, out var extra))
        {
            foreach (var (key, value) in extra)
            {
                settings[key] = value;
            }
        }

        // A null value means "not set" here (a role the pipeline lacks); bound as such it would make a list-valued
        // option null instead of empty (Sampler:Standard of a CHATS-only pipeline), so it is left out.
        var app = build([], settings.Where(s => s.Value is not null).ToDictionary());
        _apps.Add(app);
        await app.StartAsync(cancellationToken);
        var addresses = app.BoundAddresses();
        _services[name] = (addresses[0], addresses[1], app);
        return addresses[0];
    }
}
