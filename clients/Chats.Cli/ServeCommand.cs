using System.CommandLine;
using Chats.Decoder;
using Chats.Denoiser;
using Chats.Gateway;
using Chats.Sampler;
using Chats.ServiceDefaults;
using Chats.TextEncoder;
using Microsoft.AspNetCore.Builder;

namespace Chats.Cli;

/// <summary>
/// <c>chats serve ROLE [--Section:Key=value …]</c>: one service in this process, configured like the service
/// binaries. Used to run roles as separate processes from one build (and by the memory benchmark).
/// </summary>
internal static class ServeCommand
{
    public static IReadOnlyDictionary<string, Func<string[], IReadOnlyDictionary<string, string?>?, WebApplication>> Roles { get; } =
        new Dictionary<string, Func<string[], IReadOnlyDictionary<string, string?>?, WebApplication>>
        {
            ["text-encoder"] = TextEncoderServiceHost.Build,
            ["denoiser"] = DenoiserServiceHost.Build,
            ["decoder"] = DecoderServiceHost.Build,
            ["sampler"] = SamplerServiceHost.Build,
            ["gateway"] = GatewayHost.Build,
        };

    public static Command Create()
    {
        var command = new Command("serve", "Run one service (text-encoder, denoiser, decoder, sampler, gateway) with configuration as --Section:Key=value arguments; prints its addresses once listening.")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        var role = new Argument<string>("ROLE") { Description = string.Join(", ", Roles.Keys) };
        role.AcceptOnlyFromAmong([.. Roles.Keys]);
        command.Arguments.Add(role);
        command.SetAction(async (result, ct) =>
        {
            var app = Roles[result.GetValue(role)!]([.. result.UnmatchedTokens], null);
            await app.StartAsync(ct);
            var addresses = app.BoundAddresses();
            Console.WriteLine($"listening grpc={addresses[0]} http={(addresses.Count > 1 ? addresses[1] : null)}");
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
            }

            await app.StopAsync(CancellationToken.None);
            return 0;
        });
        return command;
    }
}
