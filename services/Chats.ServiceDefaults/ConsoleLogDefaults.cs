using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;

namespace Chats.ServiceDefaults;

/// <summary>
/// The console log format every service starts with: one line per entry with a UTC timestamp (greppable, one entry per
/// line in <c>kubectl logs</c>). Added as the first configuration source, so <c>appsettings.json</c>, environment
/// variables and overrides all win: <c>Logging:Console:FormatterName=json</c> switches to JSON lines (with scopes:
/// the generation id, trace and span ids), <c>Logging:Console:FormatterOptions:IncludeScopes=true</c> shows the scopes
/// in the single-line format too.
/// </summary>
internal static class ConsoleLogDefaults
{
    private static readonly Dictionary<string, string?> s_defaults = new()
    {
        ["Logging:Console:FormatterName"] = "simple",
        ["Logging:Console:FormatterOptions:SingleLine"] = "true",
        ["Logging:Console:FormatterOptions:TimestampFormat"] = "yyyy-MM-ddTHH:mm:ss.fffZ ",
        ["Logging:Console:FormatterOptions:UseUtcTimestamp"] = "true",
    };

    /// <summary>Puts the defaults under every other source of <paramref name="configuration"/>.</summary>
    public static void AddUnder(IConfigurationBuilder configuration)
        => configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = s_defaults });
}
