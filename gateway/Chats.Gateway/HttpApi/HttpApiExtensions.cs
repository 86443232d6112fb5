using System.Globalization;
using Chats.ServiceDefaults;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;

namespace Chats.Gateway.HttpApi;

/// <summary>
/// The gateway's public HTTP/1.1 door: the JSON API (<see cref="ImagesEndpoint"/>, <see cref="GenerationStreamEndpoint"/>)
/// and the playground (static files of <c>wwwroot</c> at <c>/</c>), on <c>Gateway:HttpApiPort</c> only. The gRPC port
/// and the internal metrics port serve none of it, and the API port serves nothing else.
/// </summary>
public static class HttpApiExtensions
{
    /// <summary>Binds <see cref="GatewayHttpOptions"/>, listens on the API port, registers the loopback Sampler client.</summary>
    public static WebApplicationBuilder AddChatsHttpApi(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddValidatedOptions<GatewayHttpOptions>(GatewayHttpOptions.Section);
        var options = builder.Snapshot<GatewayHttpOptions>(GatewayHttpOptions.Section);
        var host = builder.Snapshot<EndpointOptions>(EndpointOptions.Section).Host;
        var listener = new HttpApiListener();
        builder.Services.AddSingleton(listener);
        builder.Services.AddSingleton<SelfSamplerClient>();
        // ServiceDefaults' Kestrel configuration (registered first) has bound the gRPC and metrics ports and checked the
        // host; this adds the third, so Kestrel's address list stays gRPC first.
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            if (options.HttpApiPort is < -1 or > 65535)
            {
                throw new OptionsValidationException(GatewayHttpOptions.Section, typeof(GatewayHttpOptions),
                    [string.Create(CultureInfo.InvariantCulture, $"{GatewayHttpOptions.HttpApiPortKey} = '{options.HttpApiPort}': out of range; use -1 to 65535")]);
            }

            if (options.HttpApiPort >= 0 && System.Net.IPAddress.TryParse(host, out var address))
            {
                listener.Listen(kestrel, address, options.HttpApiPort);
            }
        });
        return builder;
    }

    /// <summary>
    /// Maps the API endpoints and the playground, each reachable on the API port only (checked by the local port of
    /// the connection, not the Host header, which the client writes).
    /// </summary>
    public static WebApplication MapChatsHttpApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var listener = app.Services.GetRequiredService<HttpApiListener>();
        app.Use((context, next) =>
        {
            bool onApiPort = context.Connection.LocalPort == listener.Port;
            bool apiEndpoint = context.GetEndpoint()?.Metadata.GetMetadata<HttpApiEndpointMetadata>() is not null;
            if (context.GetEndpoint() is not null && onApiPort != apiEndpoint)
            {
                // Unmatched: the API port falls through to the static files, the others to 404.
                context.SetEndpoint(null);
            }

            return next(context);
        });
        app.UseWhen(context => context.Connection.LocalPort == listener.Port, api =>
        {
            var files = new StaticFileOptions { FileProvider = Playground() };
            api.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files.FileProvider });
            api.UseStaticFiles(files);
        });
        app.MapPost(ImagesEndpoint.Path, ImagesEndpoint.HandleAsync).WithMetadata(HttpApiEndpointMetadata.Instance);
        app.MapPost(GenerationStreamEndpoint.Path, GenerationStreamEndpoint.HandleAsync).WithMetadata(HttpApiEndpointMetadata.Instance);
        return app;
    }

    /// <summary>
    /// The HTTP API's base address once the gateway has started (<c>http://127.0.0.1:PORT/</c>); null when it is off or
    /// <paramref name="app"/> is not a gateway.
    /// </summary>
    public static Uri? HttpApiAddress(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.Services.GetService<HttpApiListener>()?.Address;
    }

    // The build output's wwwroot (the gateway's, copied there): the content root is wherever the host was started
    // from (./chats up, a test), not the gateway's folder.
    private static IFileProvider Playground()
    {
        string root = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        return Directory.Exists(root) ? new PhysicalFileProvider(root) : new NullFileProvider();
    }
}
