using System.CommandLine;
using Chats.Inference.Engine;
using Chats.Inference.Local;
using Chats.Core.Loading;
using TorchSharp;
using Chats.Inference.Loading;
using Chats.Tools;

namespace Chats.Cli.Commands;

/// <summary><c>chats model …</c>: create, inspect and run model folders.</summary>
internal static class ModelCommands
{
    public static Command Create()
    {
        return new Command("model", "Create, inspect and run diffusers pipeline folders.")
        {
            CreateTiny(), Inspect(), Run(), Export(),
        };
    }

    private static Command CreateTiny()
    {
        var outDir = CommonOptions.Out<DirectoryInfo>("Folder to create.");
        var seed = new Option<long>("--seed") { Description = "Weight seed.", DefaultValueFactory = _ => TinyPipelineOptions.DefaultSeed };
        var preset = new Option<string>("--preset")
        {
            Description = "tiny (toy UNets, for tests and demos) or sd15-shaped (SD1.5's UNet block layout, ~100 ms a forward on 2 CPU cores, for serving benchmarks).",
            DefaultValueFactory = _ => "tiny",
        };
        preset.AcceptOnlyFromAmong("tiny", "sd15-shaped");
        var sampleSize = new Option<int?>("--sample-size") { Description = "Latent side instead of the preset's (images are 4× this)." };
        var command = new Command("create-tiny", "Write a tiny random-weight CHATS pipeline (diffusers layout) for tests, demos and benchmarks.")
        {
            outDir, seed, preset, sampleSize,
        };
        command.SetAction(result =>
        {
            var dir = result.GetValue(outDir)!;
            var options = new TinyPipelineOptions
            {
                Preset = result.GetValue(preset) == "sd15-shaped" ? TinyPipelinePreset.Sd15Shaped : TinyPipelinePreset.Tiny,
                Seed = result.GetValue(seed),
                SampleSize = result.GetValue(sampleSize),
            };
            TinyPipelineBuilder.Create(dir.FullName, options);
            Console.WriteLine($"wrote {dir.FullName}");
            return 0;
        });
        return command;
    }

    private static Command Inspect()
    {
        var dir = new Argument<DirectoryInfo>("DIR") { Description = "Diffusers pipeline folder." };
        var configs = new Option<bool>("--configs") { Description = "Also print each component's config file." };
        var command = new Command("inspect", "List a pipeline folder's components, parameter counts, stored dtypes and configs (reads headers only).") { dir, configs };
        command.SetAction(result =>
        {
            var description = PipelineInspector.Inspect(result.GetValue(dir)!.FullName);
            Console.WriteLine($"{description.Root}: {description.ClassName}");
            Console.WriteLine($"{"component",-18} {"class",-30} {"parameters",14} {"on disk",10}  dtypes");
            foreach (var c in description.Components)
            {
                string dtypes = string.Join(", ", c.ParametersByDType.Select(d => $"{d.Key} {d.Value:N0}"));
                Console.WriteLine($"{c.Name,-18} {c.ClassName,-30} {c.Parameters,14:N0} {Megabytes(c.WeightBytes),10}  {c.Problem ?? dtypes}");
                if (result.GetValue(configs) && c.ConfigJson is not null)
                {
                    Console.WriteLine(c.ConfigJson.Trim());
                }
            }

            return 0;
        });
        return command;
    }

    private static Command Run()
    {
        var model = CommonOptions.Model("Diffusers pipeline folder.");
        var component = new Option<string>("--component", "-c")
        {
            Description = $"One of: {string.Join(", ", ComponentRunner.Components)}; or {PipelineCaseRunner.Component}: a whole cfg_* / chats_* end-to-end case through the sampling loop.",
            Required = true,
        };
        var inputs = new Option<FileInfo>("--inputs", "-i")
        {
            Description = "Safetensors file with the inputs (sample, timestep, encoder_hidden_states, text_embeds, time_ids; input_ids; latents; image; "
                + "for pipeline: initial_noise, prompt_embeds, pooled_prompt_embeds, negative_* or null_*, and the case settings in its metadata).",
            Required = true,
        };
        var output = CommonOptions.Out<FileInfo>("Safetensors file to write the outputs to.");
        var command = new Command("run", "Run one component on the inputs of a case file and write its outputs (names as in diffusers-reference case files).")
        {
            model, component, inputs, output,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            string modelPath = result.GetValue(model)!.FullName, inputPath = result.GetValue(inputs)!.FullName, componentName = result.GetValue(component)!;
            var outputs = componentName == PipelineCaseRunner.Component
                ? await PipelineCaseRunner.RunAsync(modelPath, inputPath, cancellationToken)
                : RunComponent(modelPath, componentName, inputPath);
            try
            {
                var path = result.GetValue(output)!;
                Directory.CreateDirectory(path.DirectoryName ?? ".");
                SafetensorsFile.Write(outputs, path.FullName);
                foreach (var (name, tensor) in outputs)
                {
                    Console.WriteLine($"{name} [{string.Join(", ", tensor.shape)}]");
                }

                Console.WriteLine($"wrote {path.FullName}");
                return 0;
            }
            finally
            {
                foreach (var tensor in outputs.Values)
                {
                    tensor.Dispose();
                }
            }
        });
        return command;
    }

    private static Dictionary<string, torch.Tensor> RunComponent(string modelPath, string component, string inputPath)
    {
        // A scope is thread-bound, so it stays in this synchronous part; the outputs leave it for the caller to dispose.
        using var scope = torch.NewDisposeScope();
        var outputs = ComponentRunner.Run(modelPath, component, SafetensorsFile.Read(inputPath));
        foreach (var tensor in outputs.Values)
        {
            tensor.MoveToOuterDisposeScope();
        }

        return outputs;
    }

    private static Command Export()
    {
        var source = CommonOptions.Model("Source pipeline folder.");
        var output = CommonOptions.Out<DirectoryInfo>("Destination folder.");
        var half = new Option<bool>("--half") { Description = "Store floating-point weights as fp16 (loaded back as fp32)." };
        var components = new Option<string?>("--components") { Description = "Comma-separated components to keep (default: all)." };
        var halfComponents = new Option<string?>("--half-components") { Description = "Comma-separated components stored as fp16 (implies --half for those only)." };
        var command = new Command("export", "Copy a pipeline for shipping: model_index.json and the components it lists only, optionally stored as fp16.")
        {
            source, output, half, components, halfComponents,
        };
        command.SetAction(result =>
        {
            var keep = result.GetValue(components) is { } kept ? CommandLineValues.Split(kept) : null;
            var halves = result.GetValue(halfComponents) is { } halved ? CommandLineValues.Split(halved) : null;
            long bytes = PipelineExport.Export(
                result.GetValue(source)!.FullName, result.GetValue(output)!.FullName, result.GetValue(half) || halves is not null, keep, halves);
            Console.WriteLine($"wrote {result.GetValue(output)!.FullName} ({bytes / 1e6:F1} MB)");
            return 0;
        });
        return command;
    }

    private static string Megabytes(long bytes) => $"{bytes / 1_048_576.0:F1} MB";
}
