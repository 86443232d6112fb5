using Chats.ServiceDefaults;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Chats.Gateway;

/// <summary>
/// Deterministic weighted assignment: a client key hashes (with the experiment salt) to a point in [0, 1),
/// which falls into one arm's share of the cumulative weights. No state, so it is sticky across gateway
/// replicas and restarts for as long as the salt and weights stay the same. In the gateway the arms follow the
/// configuration as it reloads (e.g. <c>Gateway:ConfigFile</c> edited); a reload that fails validation is logged and
/// the last good arms stay.
/// </summary>
public sealed class ArmAssigner : IDisposable
{
    private readonly IDisposable? _reloads;
    private volatile ArmTable _table;

    /// <summary>Creates the assigner from validated options; it does not follow reloads.</summary>
    public ArmAssigner(IOptions<GatewayOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _table = new ArmTable(options.Value);
    }

    // The options monitor, on a reload that fails validation, throws inside the configuration's change callback and
    // keeps no value, so the assigner builds each reload's options itself and keeps the last good table.
    private ArmAssigner(IOptionsMonitor<GatewayOptions> monitor, IOptionsFactory<GatewayOptions> factory, IConfiguration configuration, ILogger<ArmAssigner> logger)
    {
        _table = new ArmTable(monitor.CurrentValue);
        _reloads = ChangeToken.OnChange(configuration.GetReloadToken, () =>
        {
            try
            {
                var table = new ArmTable(factory.Create(Options.DefaultName));
                if (table.Description != _table.Description)
                {
                    _table = table;
                    logger.LogInformation("A/B arms reloaded: {Arms}", table.Description);
                }
            }
            catch (Exception e) when (ConfigurationErrors.Describe(e) is { } problems)
            {
                logger.LogWarning("configuration reload refused, the A/B arms stay {Arms}: {Problems}", _table.Description, string.Join("; ", problems));
            }
        });
    }

    /// <summary>Every arm in force (those with weight 0, reachable only by <see cref="ArmOverride"/>, included).</summary>
    public IReadOnlyList<ExperimentArm> Arms => _table.Arms;

    /// <summary>The gateway's assigner, which follows configuration reloads.</summary>
    internal static ArmAssigner Reloading(IServiceProvider services) => new(
        services.GetRequiredService<IOptionsMonitor<GatewayOptions>>(),
        services.GetRequiredService<IOptionsFactory<GatewayOptions>>(),
        services.GetRequiredService<IConfiguration>(),
        services.GetRequiredService<ILogger<ArmAssigner>>());

    /// <summary>The arm of <paramref name="clientKey"/>, or null when no split is configured.</summary>
    public ExperimentArm? Assign(string clientKey) => _table.Assign(clientKey);

    /// <summary>The arm named <paramref name="name"/> (exactly), or null.</summary>
    public ExperimentArm? Find(string name) => _table.Arms.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.Ordinal));

    /// <summary>Stops following reloads.</summary>
    public void Dispose() => _reloads?.Dispose();
}
