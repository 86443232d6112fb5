using System.CommandLine;
using Chats.Protos.V1;

namespace Chats.Cli.Commands;

/// <summary>The request options shared by the verbs that generate.</summary>
internal sealed class GenerateOptions
{
    public Option<string?> Prompt { get; } = new("--prompt", "-p") { Description = "The prompt." };
    public Option<string> NegativePrompt { get; } = new("--negative-prompt") { Description = "The ∅ of the guidance formulas (default: the empty prompt).", DefaultValueFactory = _ => string.Empty };
    public Option<string> Out { get; } = CommonOptions.Out<string>("PNG file to write (image k > 0 of a batch gets _k before the extension); with --prompts, a folder.");
    public Option<string?> Mode { get; } = new("--mode") { Description = "cfg, chats or chats-full (default: the A/B split, else chats)." };
    public Option<int> Steps { get; } = new("--steps") { Description = "Denoising steps (0 = server default).", DefaultValueFactory = _ => 0 };
    public Option<ulong> Seed { get; } = new("--seed") { Description = "Seed of the initial noise.", DefaultValueFactory = _ => 0UL };
    public Option<float?> Guidance { get; } = new("--guidance") { Description = "Guidance s, paper convention (diffusers' w = s + 1). Default 5." };
    public Option<float?> Alpha { get; } = CommonOptions.Alpha();
    public Option<int> Width { get; } = new("--width") { Description = "Pixels (0 = model default).", DefaultValueFactory = _ => 0 };
    public Option<int> Height { get; } = new("--height") { Description = "Pixels (0 = model default).", DefaultValueFactory = _ => 0 };
    public Option<string?> Scheduler { get; } = new("--scheduler") { Description = "ddim, euler, dpm or flow-euler (default: the model's)." };
    public Option<int> Images { get; } = new("--images") { Description = "Images to generate.", DefaultValueFactory = _ => 1 };
    public Option<string?> ClientKey { get; } = new("--client-key") { Description = "Client key for sticky A/B assignment." };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Prompt, NegativePrompt, Out, Mode, Steps, Seed, Guidance, Alpha, Width, Height, Scheduler, Images, ClientKey })
        {
            command.Options.Add(option);
        }
    }

    public GenerateRequest ToRequest(ParseResult result)
    {
        var request = ToRequestTemplate(result);
        request.Prompt = result.GetValue(Prompt) ?? throw new ArgumentException("--prompt is required");
        return request;
    }

    /// <summary>Everything but the prompt.</summary>
    public GenerateRequest ToRequestTemplate(ParseResult result)
    {
        var request = new GenerateRequest
        {
            NegativePrompt = result.GetValue(NegativePrompt) ?? string.Empty,
            Steps = result.GetValue(Steps),
            Seed = result.GetValue(Seed),
            Width = result.GetValue(Width),
            Height = result.GetValue(Height),
            NumImages = result.GetValue(Images),
            Mode = result.GetValue(Mode)?.ToLowerInvariant() switch
            {
                null => GuidanceMode.Unspecified,
                "cfg" => GuidanceMode.Cfg,
                "chats" => GuidanceMode.Chats,
                "chats-full" or "chats_full" => GuidanceMode.ChatsFull,
                var other => throw new ArgumentException($"--mode: unknown mode '{other}' (cfg, chats, chats-full)"),
            },
            Scheduler = result.GetValue(Scheduler)?.ToLowerInvariant() switch
            {
                null => SchedulerType.Unspecified,
                "ddim" => SchedulerType.Ddim,
                "euler" => SchedulerType.EulerDiscrete,
                "dpm" => SchedulerType.DpmSolverMultistep,
                "flow-euler" => SchedulerType.FlowMatchEuler,
                var other => throw new ArgumentException($"--scheduler: unknown scheduler '{other}' (ddim, euler, dpm, flow-euler)"),
            },
        };
        if (result.GetValue(Guidance) is float s)
        {
            request.GuidanceScale = s;
        }

        if (result.GetValue(Alpha) is float a)
        {
            request.Alpha = a;
        }

        return request;
    }
}
