using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Console;

namespace Chats.ServiceDefaults;

/// <summary>
/// The console log format every service starts with: one line per entry with a UTC timestamp (greppable, one entry per
/// line in <c>kubectl logs</c>); <c>Logging:Console:FormatterName=json</c> switches to JSON lines with the scopes (the
/// generation id, trace and span ids). Each default applies only where <c>Logging:Console:FormatterOptions</c> leaves
/// the setting out, so configuration always wins.
/// </summary>
internal static class ConsoleLogDefaults
{
    private const string Options = "Logging:Console:FormatterOptions:";

    /// <summary>Registers the defaults (after the configuration binding, which they fill in).</summary>
    public static void Add(IServiceCollection services, IConfiguration configuration)
    {
        bool Unset(string key) => configuration[Options + key] is null;
        // Named, or the console logger applies its own obsolete options to the simple formatter in place of these.
        services.Configure<ConsoleLoggerOptions>(o => o.FormatterName ??= ConsoleFormatterNames.Simple);
        services.Configure<SimpleConsoleFormatterOptions>(o =>
        {
            if (Unset(nameof(o.SingleLine)))
            {
                o.SingleLine = true;
            }

            Timestamps(o, Unset, "yyyy-MM-ddTHH:mm:ss.fffZ ");
        });
        services.Configure<JsonConsoleFormatterOptions>(o =>
        {
            if (Unset(nameof(o.IncludeScopes)))
            {
                o.IncludeScopes = true;
            }

            Timestamps(o, Unset, "yyyy-MM-ddTHH:mm:ss.fffZ");
        });
    }

    private static void Timestamps(ConsoleFormatterOptions options, Func<string, bool> unset, string format)
    {
        if (unset(nameof(options.TimestampFormat)))
        {
            options.TimestampFormat = format;
        }

        if (unset(nameof(options.UseUtcTimestamp)))
        {
            options.UseUtcTimestamp = true;
        }
    }
}
