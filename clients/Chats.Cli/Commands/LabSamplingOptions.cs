using System.CommandLine;
using Chats.Core.Guidance;
using Chats.Training.Shapes;

namespace Chats.Cli.Commands;

/// <summary>The sampling options of the lab verbs that generate a prompt set in-process (<c>lab eval</c>, <c>lab select-guidance</c>).</summary>
internal sealed class LabSamplingOptions
{
    public Option<DirectoryInfo> Model { get; } = CommonOptions.Model("Pipeline folder (diffusers layout).");

    public Option<FileInfo> Prompts { get; } = CommonOptions.PromptSet();

    public Option<string> Mode { get; } = new("--mode") { Description = "cfg, chats or chats-full.", DefaultValueFactory = _ => "cfg" };

    public Option<float?> Alpha { get; } = CommonOptions.Alpha();

    public Option<int> Steps { get; } = CommonOptions.SamplingSteps();

    public Option<int> Parallel { get; } = new("--parallel") { Description = "Requests in flight.", DefaultValueFactory = _ => 2 };

    public void AddTo(Command command)
    {
        Mode.AcceptOnlyFromAmong("cfg", "chats", "chats-full");
        foreach (var option in new Option[] { Model, Prompts, Mode, Alpha, Steps, Parallel })
        {
            command.Add(option);
        }
    }

    public ShapesSamplingSettings Settings(ParseResult result, float guidance) => new(
        result.GetValue(Mode) switch
        {
            "chats" => GuidanceMode.Chats,
            "chats-full" => GuidanceMode.ChatsFull,
            _ => GuidanceMode.Cfg,
        },
        guidance,
        result.GetValue(Alpha),
        result.GetValue(Steps));
}
