using Chats.Cli.Processes;

namespace Chats.Cli.Chaos;

/// <summary>
/// One replica's place in the chaos cluster: fixed ports, so that a replica killed and started again comes back at the
/// address the sampler has configured.
/// </summary>
internal sealed class ReplicaSlot(string name, string service, string group, IReadOnlyDictionary<string, string> settings)
{
    public string Name { get; } = name;

    public string Service { get; } = service;

    /// <summary>The role group whose other member must be up before this one may be hurt.</summary>
    public string Group { get; } = group;

    public int GrpcPort { get; } = ServiceProcess.FreePort();

    public int HttpPort { get; } = ServiceProcess.FreePort();

    public Uri Address => new($"http://127.0.0.1:{GrpcPort}");

    public ServiceProcess? Process { get; private set; }

    /// <summary>Up and not hurt: it may serve, and its partner may be hurt.</summary>
    public bool Up { get; set; }

    public async Task StartAsync(CancellationToken ct)
    {
        var all = new Dictionary<string, string>(settings)
        {
            ["Endpoints:GrpcPort"] = GrpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Endpoints:HttpPort"] = HttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Logging:LogLevel:Default"] = "Warning",
        };
        Process = await ServiceProcess.StartAsync(Name, Service, all, TimeSpan.FromMinutes(3), ct);
        Up = true;
    }

    public async ValueTask StopAsync()
    {
        Up = false;
        if (Process is { } p)
        {
            await p.DisposeAsync();
            Process = null;
        }
    }
}
