using Chats.Client;
using Chats.Core.Loading;
using Chats.Inference.Engine;
using Chats.LocalSystem;
using Microsoft.Extensions.DependencyInjection;
using Chats.Tools;

namespace Chats.IntegrationTests;

/// <summary>
/// One running system for the collection: a tiny random-weight CHATS pipeline written to a temp folder, a
/// real Redis, and every service on its own loopback port behind the real YARP gateway.
/// </summary>
public sealed class ChatsSystemFixture : IAsyncLifetime
{
    private readonly Dictionary<string, DenoiserSessionLog> _sessionLogs = [];
    private RedisServer? _redis;

    public string ModelPath { get; } = Path.Combine(Path.GetTempPath(), "chats-it-" + Guid.NewGuid().ToString("N"));

    public LocalChatsSystem System { get; private set; } = null!;

    public string RedisConfiguration => _redis!.Configuration;

    public async ValueTask InitializeAsync()
    {
        TinyPipelineBuilder.Create(ModelPath);
        _redis = RedisServer.Start();
        System = await LocalChatsSystem.StartAsync(new LocalSystemOptions { ModelPath = ModelPath, Redis = _redis.Configuration });
        foreach (var role in new[] { "preferred", "dispreferred", "standard" })
        {
            var log = new DenoiserSessionLog();
            System.Services[role].App.Services.GetRequiredService<DenoiserSessionEngine>().SessionClosed += log.Record;
            _sessionLogs[role] = log;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (System is not null)
        {
            await System.DisposeAsync();
        }

        _redis?.Dispose();
        if (Directory.Exists(ModelPath))
        {
            Directory.Delete(ModelPath, recursive: true);
        }
    }

    public ChatsClient GatewayClient(string? clientKey = null) => new(System.Gateway, new ChatsClientOptions { ClientKey = clientKey });

    /// <summary>The sessions a denoiser role closed since the system started (what each did).</summary>
    public DenoiserSessionLog Activity(string role) => _sessionLogs[role];
}
