using System.CommandLine;
using System.Globalization;
using Chats.Decoder;
using Chats.Denoiser;
using Chats.Gateway;
using Chats.LocalSystem;
using Chats.Sampler;
using Chats.ServiceDefaults;
using Chats.TextEncoder;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;

namespace Chats.Cli.Commands;

/// <summary>
/// Running the services: <c>chats quickstart</c> and <c>chats up</c> (the whole system in this process, each service
/// on its own loopback port) and <c>chats serve ROLE [--Section:Key=value …]</c> (one service, configured like the
/// service binaries: roles as separate processes from one build, as the memory benchmark starts them).
/// </summary>
internal static class SystemCommands
{
    private static readonly IReadOnlyDictionary<string, Func<string[], IReadOnlyDictionary<string, string?>?, WebApplication>> s_roles =
        new Dictionary<string, Func<string[], IReadOnlyDictionary<string, string?>?, WebApplication>>
        {
            ["text-encoder"] = TextEncoderServiceHost.Build,
            ["denoiser"] = DenoiserServiceHost.Build,
            ["decoder"] = DecoderServiceHost.Build,
            ["sampler"] = SamplerServiceHost.Build,
            ["gateway"] = GatewayHost.Build,
        };

    public static Command Quickstart()
    {
        var generate = new GenerateOptions();
        var model = CommonOptions.DefaultedModel();
        var standard = CommonOptions.StandardModel();
        var redis = CommonOptions.Redis();
        var command = new Command("quickstart", "Start the whole system in this process (each service on its own loopback port), generate one image through the gateway, write it, stop.");
        var placementOptions = new PlacementOptions();
        generate.AddTo(command);
        command.Add(model);
        command.Add(standard);
        command.Add(redis);
        placementOptions.AddTo(command);
        command.SetAction(async (result, ct) =>
        {
            var models = DefaultModel.Select(result.GetValue(model), result.GetValue(standard));
            var placement = placementOptions.ToPlacement(result);
            await using var system = await LocalChatsSystem.StartAsync(
                new LocalSystemOptions
                {
                    ModelPath = models.Model, StandardModelPath = models.StandardModel, Redis = result.GetValue(redis),
                    Device = placement.Device, DType = placement.DTypeName,
                }, ct);
            Console.Error.WriteLine($"system up: gateway {system.Gateway}");
            return await GenerationRunner.RunAsync(system.Gateway, generate.ToRequest(result), new FileInfo(result.GetValue(generate.Out)!), result.GetValue(generate.ClientKey), ct);
        });
        return command;
    }

    public static Command Up()
    {
        var model = CommonOptions.DefaultedModel();
        var standard = CommonOptions.StandardModel();
        var redis = CommonOptions.Redis();
        var gatewayPort = new Option<int>("--gateway-port") { Description = "Fixed gRPC port for the gateway (0 = any free port).", DefaultValueFactory = _ => 0 };
        var httpPort = new Option<int>("--http-port") { Description = "Fixed port for the gateway's HTTP API and playground (0 = any free port, -1 = off).", DefaultValueFactory = _ => 0 };
        var wireDtype = new Option<string>("--wire-dtype")
        {
            Description = "dtype of the step tensors between sampler and denoisers (Sampler:WireDtype): float32, float16 or bfloat16.",
            DefaultValueFactory = _ => "float32",
        };
        var command = new Command("up", "Start the whole system in this process and serve until Ctrl+C; prints every service's addresses.")
        {
            model, standard, redis, gatewayPort, httpPort, wireDtype,
        };
        var placementOptions = new PlacementOptions();
        placementOptions.AddTo(command);
        command.SetAction(async (result, ct) =>
        {
            var models = DefaultModel.Select(result.GetValue(model), result.GetValue(standard));
            var placement = placementOptions.ToPlacement(result);
            var overrides = new Dictionary<string, IReadOnlyDictionary<string, string?>>
            {
                ["gateway"] = new Dictionary<string, string?>
                {
                    ["Endpoints:GrpcPort"] = result.GetValue(gatewayPort).ToString(CultureInfo.InvariantCulture),
                    [Gateway.HttpApi.GatewayHttpOptions.HttpApiPortKey] = result.GetValue(httpPort).ToString(CultureInfo.InvariantCulture),
                },
                ["sampler"] = new Dictionary<string, string?> { ["Sampler:WireDtype"] = result.GetValue(wireDtype) },
            };
            await using var system = await LocalChatsSystem.StartAsync(
                new LocalSystemOptions
                {
                    ModelPath = models.Model, StandardModelPath = models.StandardModel, Redis = result.GetValue(redis),
                    Device = placement.Device, DType = placement.DTypeName, Overrides = overrides,
                }, ct);
            foreach (var (name, service) in system.Services)
            {
                Console.WriteLine($"{name,-13} grpc {service.Grpc}  metrics {service.Http}metrics");
            }

            if (system.HttpApi is not null)
            {
                Console.WriteLine($"playground {system.HttpApi}");
            }

            Console.WriteLine($"gateway: {system.Gateway}  (Ctrl+C to stop)");
            await UntilStopped(ct);
            return 0;
        });
        return command;
    }

    public static Command Serve()
    {
        var role = new Argument<string>("ROLE") { Description = string.Join(", ", s_roles.Keys) };
        role.AcceptOnlyFromAmong([.. s_roles.Keys]);
        var command = new Command("serve", "Run one service (text-encoder, denoiser, decoder, sampler, gateway) with configuration as --Section:Key=value arguments; prints its addresses once listening.")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        command.Add(role);
        command.SetAction(async (result, ct) =>
        {
            var app = s_roles[result.GetValue(role)!]([.. result.UnmatchedTokens], null);
            await app.StartAsync(ct);
            var addresses = app.BoundAddresses();
            // The gateway's HTTP API goes last, so readers of the first two fields are unaffected.
            string api = Gateway.HttpApi.HttpApiExtensions.HttpApiAddress(app) is { } apiAddress ? $" api={apiAddress}" : string.Empty;
            Console.WriteLine($"listening grpc={addresses[0]} http={(addresses.Count > 1 ? addresses[1] : null)}{api}");
            // The host's own SIGTERM / Ctrl+C handling stops it: NOT_SERVING, in-flight calls finish, then exit 0.
            await app.WaitForShutdownAsync(CancellationToken.None);
            await app.DisposeAsync();
            return 0;
        });
        return command;
    }

    // Serving ends with Ctrl+C: a normal exit (0), not the "stopped" of an interrupted job.
    private static async Task UntilStopped(CancellationToken ct)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, ct);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
