using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Options;

namespace Chats.ServiceDefaults;

/// <summary>
/// Bad configuration values fail start-up with one line per problem, naming the key and the value
/// (<c>chats: configuration error: Denoiser:MaxBatch = 'abc': not an integer</c>) and exit code 2, never a
/// stack trace: the operator has a typo to fix, not a bug to report. Used by every service's <c>Program.cs</c>
/// and by the CLI's <c>serve</c> and <c>up</c>.
/// </summary>
public static partial class ConfigurationErrors
{
    /// <summary>The exit code of a start-up refused for its configuration (1 stays "failed", 130 "stopped").</summary>
    public const int ExitCode = 2;

    /// <summary>What starts every line written for a configuration error.</summary>
    public const string Prefix = "chats: configuration error: ";

    /// <summary>Builds and runs a service; a configuration error is written to stderr and returns <see cref="ExitCode"/>.</summary>
    public static async Task<int> RunAsync(Func<WebApplication> build)
    {
        ArgumentNullException.ThrowIfNull(build);
        try
        {
            await build().RunAsync();
            return 0;
        }
        catch (Exception e) when (Describe(e) is { } problems)
        {
            Write(Console.Error, problems);
            return ExitCode;
        }
    }

    /// <summary>Writes one <see cref="Prefix"/> line per problem.</summary>
    public static void Write(TextWriter writer, IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(problems);
        foreach (string problem in problems)
        {
            writer.WriteLine(Prefix + problem);
        }
    }

    /// <summary>
    /// The problems <paramref name="e"/> reports if it is a configuration error (options validation, or a value
    /// configuration binding could not convert), each naming the key and the value; null for anything else.
    /// </summary>
    public static IReadOnlyList<string>? Describe(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        switch (e)
        {
            case OptionsValidationException validation:
                return validation.Failures.ToList();
            case InvalidOperationException when BinderFailure().Match(e.Message) is { Success: true } match:
                return [$"{match.Groups["key"].Value} = '{match.Groups["value"].Value}': {Expected(match.Groups["type"].Value)}"];
            case AggregateException aggregate:
                var inner = aggregate.Flatten().InnerExceptions.Select(Describe).ToList();
                return inner.Count > 0 && inner.All(p => p is not null) ? [.. inner.SelectMany(p => p!)] : null;
            default:
                return null;
        }
    }

    /// <summary>What the binder needed.</summary>
    private static string Expected(string typeName) => typeName switch
    {
        "System.Int32" or "System.Int64" or "System.Int16" or "System.Byte" or "System.UInt32" or "System.UInt64" or "System.UInt16" => "not an integer",
        "System.Double" or "System.Single" or "System.Decimal" => "not a number",
        "System.Boolean" => "not true or false",
        "System.TimeSpan" => "not a time span ([d.]hh:mm:ss[.fff], e.g. 00:00:30)",
        "System.Uri" => "not a URI",
        _ when FindType(typeName) is { IsEnum: true } type => $"not a {type.Name}; use {string.Join(", ", Enum.GetNames(type))}",
        _ => $"cannot be read as {typeName[(typeName.LastIndexOf('.') + 1)..]}",
    };

    private static Type? FindType(string name) =>
        AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetType(name, throwOnError: false)).FirstOrDefault(t => t is not null);

    // Microsoft.Extensions.Configuration.Binder's message, which names the value and the key path.
    [GeneratedRegex(@"^Failed to convert configuration value '(?<value>.*)' at '(?<key>[^']+)' to type '(?<type>[^']+)'\.$", RegexOptions.Singleline)]
    private static partial Regex BinderFailure();
}
