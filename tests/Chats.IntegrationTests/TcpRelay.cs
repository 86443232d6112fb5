using System.Net;
using System.Net.Sockets;

namespace Chats.IntegrationTests;

/// <summary>
/// A loopback TCP relay in front of a real server, which can reset the connections it carries: a real RST to the side
/// that connected to it, as a crashed node or a dropped NAT entry would cause.
/// </summary>
internal sealed class TcpRelay : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Uri _target;
    private readonly List<(Socket Client, Socket Server)> _connections = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _reset;

    /// <summary>Listens on loopback <paramref name="port"/> (0: a free one) and relays each connection to <paramref name="target"/>.</summary>
    public TcpRelay(Uri target, int port = 0)
    {
        _listener = new TcpListener(IPAddress.Loopback, port);
        _target = target;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public Uri Address => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    /// <summary>Connections accepted so far.</summary>
    public int Accepted
    {
        get
        {
            lock (_connections)
            {
                return _connections.Count + _reset;
            }
        }
    }

    /// <summary>Closes every connection with SO_LINGER 0, so the connecting side gets a TCP reset.</summary>
    public void ResetAll()
    {
        lock (_connections)
        {
            foreach (var (client, server) in _connections)
            {
                client.LingerState = new LingerOption(true, 0);
                client.Close();
                server.Close();
            }

            _reset += _connections.Count;
            _connections.Clear();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        ResetAll();
        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptSocketAsync(_stop.Token);
            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await server.ConnectAsync(_target.Host, _target.Port, _stop.Token);
            lock (_connections)
            {
                _connections.Add((client, server));
            }

            _ = PumpAsync(client, server);
            _ = PumpAsync(server, client);
        }
    }

    private static async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                int n = await from.ReceiveAsync(buffer, SocketFlags.None);
                if (n == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // One side was reset or closed: the relay's job for this connection is over.
        }
    }
}
