using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Chats.Gateway.HttpApi;

/// <summary>
/// The Kestrel endpoint of the HTTP API, kept to learn its port: Kestrel writes the bound port (of a port-0 listen)
/// back into the listen options when it binds.
/// </summary>
internal sealed class HttpApiListener
{
    private ListenOptions? _listen;

    /// <summary>The bound port; -1 while not listening (before start, or with <c>Gateway:HttpApiPort</c> -1).</summary>
    public int Port => _listen?.IPEndPoint is { Port: > 0 } endpoint ? endpoint.Port : -1;

    /// <summary>The API's base address (<c>http://host:port/</c>), a wildcard host shown as loopback; null when off.</summary>
    public Uri? Address => _listen?.IPEndPoint is { Port: > 0 } endpoint
        ? new UriBuilder("http", endpoint.Address.Equals(IPAddress.Any) || endpoint.Address.Equals(IPAddress.IPv6Any) ? IPAddress.Loopback.ToString() : endpoint.Address.ToString(), endpoint.Port).Uri
        : null;

    public void Listen(KestrelServerOptions kestrel, IPAddress address, int port)
        => kestrel.Listen(address, port, listen =>
        {
            listen.Protocols = HttpProtocols.Http1;
            _listen = listen;
        });
}
