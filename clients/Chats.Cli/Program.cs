using System.CommandLine;
using Chats.Cli;
using Chats.LocalSystem;

var generate = new GenerateOptions();
var placementOptions = new PlacementOptions();
var modelOption = new Option<string?>("--model", "-m") { Description = "Diffusers pipeline folder (default: a tiny random-weight CHATS pipeline, created on first use)." };
var standardOption = new Option<string?>("--standard-model") { Description = "Pipeline whose unet is the standard (CFG arm) model when --model has none (default with the shipped models: models/shapes-standard)." };
var redisOption = new Option<string?>("--redis") { Description = "Redis configuration for the embedding cache (default: in-process cache)." };

var quickstart = new Command("quickstart", "Start the whole system in this process (each service on its own loopback port), generate one image through the gateway, write it, stop.");
generate.AddTo(quickstart);
quickstart.Options.Add(modelOption);
quickstart.Options.Add(standardOption);
quickstart.Options.Add(redisOption);
placementOptions.AddTo(quickstart);
quickstart.SetAction(async (result, ct) =>
{
    var models = DefaultModel.Select(result.GetValue(modelOption), result.GetValue(standardOption));
    var placement = placementOptions.ToPlacement(result);
    await using var system = await LocalChatsSystem.StartAsync(
        new LocalSystemOptions { ModelPath = models.Model, StandardModelPath = models.StandardModel, Redis = result.GetValue(redisOption), Device = placement.Device, DType = placement.DTypeName }, ct);
    Console.Error.WriteLine($"system up: gateway {system.Gateway}");
    return await GenerationRunner.RunAsync(system.Gateway, generate.ToRequest(result), new FileInfo(result.GetValue(generate.Out)!), result.GetValue(generate.ClientKey), ct);
});

var up = new Command("up", "Start the whole system in this process and serve until Ctrl+C; prints every service's addresses.");
var gatewayPort = new Option<int>("--gateway-port") { Description = "Fixed gRPC port for the gateway (0 = any free port).", DefaultValueFactory = _ => 0 };
up.Options.Add(modelOption);
up.Options.Add(standardOption);
up.Options.Add(redisOption);
up.Options.Add(gatewayPort);
placementOptions.AddTo(up);
up.SetAction(async (result, ct) =>
{
    var models = DefaultModel.Select(result.GetValue(modelOption), result.GetValue(standardOption));
    var placement = placementOptions.ToPlacement(result);
    var overrides = new Dictionary<string, IReadOnlyDictionary<string, string?>>
    {
        ["gateway"] = new Dictionary<string, string?> { ["Endpoints:GrpcPort"] = result.GetValue(gatewayPort).ToString(System.Globalization.CultureInfo.InvariantCulture) },
    };
    await using var system = await LocalChatsSystem.StartAsync(new LocalSystemOptions { ModelPath = models.Model, StandardModelPath = models.StandardModel, Redis = result.GetValue(redisOption), Device = placement.Device, DType = placement.DTypeName, Overrides = overrides }, ct);
    foreach (var (name, service) in system.Services)
    {
        Console.WriteLine($"{name,-13} grpc {service.Grpc}  metrics {service.Http}metrics");
    }

    Console.WriteLine($"gateway: {system.Gateway}  (Ctrl+C to stop)");
    try
    {
        await Task.Delay(Timeout.Infinite, ct);
    }
    catch (OperationCanceledException)
    {
    }

    return 0;
});

var root = new RootCommand("chats: CHATS text-to-image serving (CFG vs CHATS) — local system, generation and model tools.");
root.Subcommands.Add(quickstart);
root.Subcommands.Add(up);
root.Subcommands.Add(GenerateCommand.Create());
root.Subcommands.Add(ModelCommands.Create());
root.Subcommands.Add(ServeCommand.Create());
root.Subcommands.Add(MemoryBenchmark.Create());
root.Subcommands.Add(LabCommands.Create());
root.Subcommands.Add(TrainCommands.Create());
return await root.Parse(args).InvokeAsync();
