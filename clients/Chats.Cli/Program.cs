using System.CommandLine;
using Chats.Cli.Commands;

var root = new RootCommand("chats: CHATS text-to-image serving (CFG vs CHATS) — local system, generation and model tools.")
{
    SystemCommands.Quickstart(),
    SystemCommands.Up(),
    GenerateCommands.Create(),
    ModelCommands.Create(),
    SystemCommands.Serve(),
    GatewayCommands.Create(),
    BenchCommands.Create(),
    LabCommands.Create(),
    TrainCommands.Create(),
};
return await CommandErrors.InvokeAsync(root.Parse(args));
