using System.CommandLine;
using Chats.ServiceDefaults;
using Grpc.Core;

namespace Chats.Cli.Commands;

/// <summary>
/// The CLI's one error path. Verbs let exceptions out; this turns those the user can act on (bad arguments or
/// request fields, files that are missing or malformed, a refusal from the gateway) into one <c>error:</c> line and
/// exit code 1, a bad configuration value into one <c>chats: configuration error:</c> line per problem and exit code 2
/// (<see cref="ConfigurationErrors"/>), and Ctrl+C into exit code 130. Anything else is a bug and keeps its stack trace (still exit code 1).
/// </summary>
internal static class CommandErrors
{
    public const int Failed = 1;

    /// <summary>The shell's code for "stopped by SIGINT".</summary>
    public const int Stopped = 130;

    public static async Task<int> InvokeAsync(ParseResult parseResult)
    {
        try
        {
            // `serve` leaves SIGTERM / Ctrl+C to the service host, which drains (Endpoints:DrainTimeout) before it
            // exits; System.CommandLine would end the process two seconds after the signal, mid-step.
            var invocation = new InvocationConfiguration { EnableDefaultExceptionHandler = false };
            if (parseResult.CommandResult.Command.Name == "serve")
            {
                invocation.ProcessTerminationTimeout = null;
            }

            return await parseResult.InvokeAsync(invocation);
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("stopped");
            return Stopped;
        }
        catch (Exception e) when (ConfigurationErrors.Describe(e) is { } problems)
        {
            // serve ROLE --Section:Key=value and up: a bad value is the operator's to fix, said as the services say it.
            ConfigurationErrors.Write(Console.Error, problems);
            return ConfigurationErrors.ExitCode;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine(Message(e) is { } message ? $"error: {message}" : $"Unhandled exception: {e}");
            return Failed;
        }
    }

    /// <summary>The one-line message of an error the user can fix, or null.</summary>
    private static string? Message(Exception e) => e switch
    {
        RpcException rpc => $"{rpc.StatusCode}: {rpc.Status.Detail}",
        // Includes RequestValidationException (a request field) and System.CommandLine's "cannot parse" errors.
        ArgumentException or InvalidOperationException or NotSupportedException => WithoutParameterName(e),
        IOException or InvalidDataException or FormatException => e.Message,
        _ => null,
    };

    // ArgumentException appends " (Parameter 'name')": a library parameter name means nothing on the command line.
    private static string WithoutParameterName(Exception e) =>
        e is ArgumentException { ParamName: { } name } && e.Message.EndsWith($" (Parameter '{name}')", StringComparison.Ordinal)
            ? e.Message[..^$" (Parameter '{name}')".Length]
            : e.Message;
}
