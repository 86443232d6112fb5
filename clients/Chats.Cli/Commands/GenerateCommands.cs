using System.CommandLine;
using System.Globalization;
using Chats.Client;
using Chats.Core.Guidance;
using Chats.Inference.Engine;
using Chats.Inference.Local;
using Chats.Core.Loading;
using Chats.Core.Sampling;
using Chats.Core.Schedulers;
using Chats.Protos.V1;

namespace Chats.Cli.Commands;

/// <summary>
/// <c>chats generate</c>: one prompt (<c>--prompt</c>, <c>--out FILE</c>) or a JSONL prompt file (<c>--prompts</c>,
/// <c>--seeds</c>, <c>--out DIR</c> writing <c>{id}_s{seed}.png</c>), in-process over <c>--model</c> or through a
/// running gateway with <c>--endpoint</c>. Both paths run the same sampling code. With a prompt file, the
/// initial noise of line i (0-based) and seed s comes from seed s·100000 + i (ShapesEval §4).
/// </summary>
internal static class GenerateCommands
{
    public static Command Create()
    {
        var request = new GenerateOptions();
        var model = CommonOptions.DefaultedModel();
        var standard = CommonOptions.StandardModel();
        var endpoint = CommonOptions.Endpoint();
        var prompts = new Option<FileInfo?>("--prompts") { Description = "JSONL file: {\"id\": ..., \"prompt\": ...} per line." };
        var seeds = CommonOptions.Seeds("0", "Comma-separated seeds for --prompts.");
        var command = new Command("generate", "Generate images in-process over --model (default) or through a gateway with --endpoint; one --prompt or a --prompts JSONL file.");
        request.AddTo(command);
        command.Add(model);
        command.Add(standard);
        command.Add(endpoint);
        command.Add(prompts);
        command.Add(seeds);
        var placement = new PlacementOptions();
        placement.AddTo(command);
        command.SetAction(async (result, ct) =>
        {
            var jobs = Jobs(result, request, result.GetValue(prompts), result.GetValue(seeds)!);
            var template = request.ToRequestTemplate(result);
            var models = DefaultModel.Select(result.GetValue(model), result.GetValue(standard));
            // In-process the model folder's sampling_defaults.json (the lab's chosen scales) fills what the request leaves out;
            // through a gateway the sampler applies its own model's file, so the same defaults are printed.
            var defaults = SamplingDefaultsFile.Apply(models.Model, new SamplingLimits());
            string scales = template.HasGuidanceScale
                ? template.GuidanceScale.ToString(CultureInfo.InvariantCulture)
                : string.Join(", ", Enum.GetValues<Core.Guidance.GuidanceMode>().Select(m =>
                    $"{m} {(defaults.DefaultGuidanceScales.TryGetValue(m, out float v) ? v : GuidanceParameters.DefaultScale).ToString(CultureInfo.InvariantCulture)}"));
            Console.Error.WriteLine($"settings: model {models.Model}{(models.StandardModel is null ? string.Empty : $" (CFG model {models.StandardModel})")}, "
                + $"mode {Describe(template.Mode)}, steps {(template.Steps == 0 ? defaults.DefaultSteps : template.Steps)}, "
                + $"guidance s {scales} (diffusers w = s + 1), "
                + $"alpha {(template.HasAlpha ? template.Alpha : defaults.DefaultAlpha).ToString(CultureInfo.InvariantCulture)}, scheduler {template.Scheduler}, {jobs.Count} image(s)");
            if (result.GetValue(endpoint) is { } gateway)
            {
                using var client = new ChatsClient(gateway, new ChatsClientOptions { ClientKey = result.GetValue(request.ClientKey) });
                foreach (var job in jobs)
                {
                    var r = template.Clone();
                    r.Prompt = job.Prompt;
                    r.Seed = job.Seed;
                    var generated = await client.GenerateAsync(r, cancellationToken: ct);
                    foreach (var image in generated.Images)
                    {
                        await Write(ImagePaths.ForIndex(job.Path, image.Index), image.Png.ToByteArray(), ct);
                    }
                }
            }
            else
            {
                using var local = LocalPipeline.Open(models.Model, standardModelPath: models.StandardModel, placement: placement.ToPlacement(result));
                foreach (var job in jobs)
                {
                    var input = ToInput(template, job.Prompt, job.Seed);
                    foreach (var image in await local.GenerateAsync(input, ct))
                    {
                        await Write(ImagePaths.ForIndex(job.Path, image.Index), image.Png, ct);
                    }
                }
            }

            return 0;
        });
        return command;
    }

    private static List<(string Prompt, ulong Seed, string Path)> Jobs(ParseResult result, GenerateOptions request, FileInfo? promptFile, string seedList)
    {
        string output = result.GetValue(request.Out)!;
        if (promptFile is null)
        {
            string prompt = result.GetValue(request.Prompt) ?? throw new ArgumentException("give --prompt or --prompts");
            return [(prompt, result.GetValue(request.Seed), output)];
        }

        var seeds = CommandLineValues.ParseList<ulong>(seedList);
        var lines = PromptFile.Read(promptFile.FullName);
        var jobs = new List<(string, ulong, string)>();
        foreach (ulong seed in seeds)
        {
            for (int i = 0; i < lines.Count; i++)
            {
                jobs.Add((lines[i].Prompt, (seed * 100_000) + (ulong)i, Path.Combine(output, $"{lines[i].Id}_s{seed}.png")));
            }
        }

        return jobs;
    }

    private static GenerationRequestInput ToInput(GenerateRequest r, string prompt, ulong seed) => new(
        prompt,
        r.NegativePrompt,
        r.Width,
        r.Height,
        r.Steps,
        seed,
        r.HasGuidanceScale ? r.GuidanceScale : null,
        r.HasAlpha ? r.Alpha : null,
        r.Mode switch
        {
            Protos.V1.GuidanceMode.Cfg => Core.Guidance.GuidanceMode.Cfg,
            Protos.V1.GuidanceMode.Chats => Core.Guidance.GuidanceMode.Chats,
            Protos.V1.GuidanceMode.ChatsFull => Core.Guidance.GuidanceMode.ChatsFull,
            _ => null,
        },
        r.Scheduler switch
        {
            SchedulerType.Ddim => SchedulerKind.Ddim,
            SchedulerType.EulerDiscrete => SchedulerKind.EulerDiscrete,
            SchedulerType.DpmSolverMultistep => SchedulerKind.DpmSolverMultistep,
            SchedulerType.FlowMatchEuler => SchedulerKind.FlowMatchEuler,
            _ => null,
        },
        r.NumImages);

    private static string Describe(Protos.V1.GuidanceMode mode) => mode == Protos.V1.GuidanceMode.Unspecified ? "default" : mode.ToString();

    private static async Task Write(string path, byte[] png, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        await File.WriteAllBytesAsync(path, png, ct);
        Console.WriteLine($"wrote {path}");
    }
}
