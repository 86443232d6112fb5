using System.CommandLine;
using Chats.Training.Runs;

namespace Chats.Cli.Commands;

/// <summary><c>chats train …</c>: fine-tune pipelines (preference training).</summary>
internal static class TrainCommands
{
    public static Command Create()
    {
        return new Command("train", "Fine-tune a pipeline.")
        {
            Preference(), Base(),
        };
    }

    private static Command Base()
    {
        var output = CommonOptions.Out<DirectoryInfo>("Output pipeline folder.");
        var scenes = new Option<int>("--scenes") { Description = "Rendered training scenes.", DefaultValueFactory = _ => 40_000 };
        var vaeSteps = new Option<int>("--vae-steps") { Description = "VAE optimiser steps.", DefaultValueFactory = _ => 1_000 };
        var vaeBatch = new Option<int>("--vae-batch-size") { Description = "Images per VAE step.", DefaultValueFactory = _ => 32 };
        var vaeLr = new Option<double>("--vae-lr") { Description = "VAE learning rate.", DefaultValueFactory = _ => 1e-3 };
        var steps = new Option<int>("--steps") { Description = "UNet + text encoder optimiser steps.", DefaultValueFactory = _ => 6_000 };
        var batch = new Option<int>("--batch-size") { Description = "Images per UNet step.", DefaultValueFactory = _ => 32 };
        var lr = new Option<double>("--lr") { Description = "UNet + text encoder learning rate.", DefaultValueFactory = _ => 4e-4 };
        var empty = new Option<double>("--empty-caption-rate") { Description = "Fraction of captions replaced by the empty prompt.", DefaultValueFactory = _ => 0.1 };
        var flow = new Option<bool>("--flow") { Description = "Rectified flow (v = noise − x) with a flow-match Euler scheduler instead of ε-prediction DDIM." };
        var unetChannels = new Option<string>("--unet-channels")
        {
            Description = "UNet block_out_channels, highest resolution first (2-4 multiples of 8; the first block has no cross-attention). The default is the shipped models' UNet.",
            DefaultValueFactory = _ => string.Join(',', ShapesUNetSize.Default.BlockOutChannels),
        };
        var layersPerBlock = new Option<int>("--layers-per-block") { Description = "UNet layers per block (1-8).", DefaultValueFactory = _ => ShapesUNetSize.Default.LayersPerBlock };
        var checkpointEvery = CommonOptions.CheckpointEvery(250);
        var seed = new Option<int>("--seed") { Description = "Seed of scenes, batches and initial weights.", DefaultValueFactory = _ => 0 };
        var threads = CommonOptions.TorchThreads();
        var command = new Command(
            "base",
            "Train the ShapesEval base pipeline from scratch (VAE, then UNet + CLIP text encoder) on rendered scenes; checkpoints under OUT/training and resumes from them.")
        {
            output, scenes, vaeSteps, vaeBatch, vaeLr, steps, batch, lr, empty, flow, unetChannels, layersPerBlock, checkpointEvery, seed, threads,
        };

        command.SetAction(async (result, ct) =>
        {
            var options = new BaseRunOptions
            {
                Output = result.GetValue(output)!.FullName,
                Scenes = result.GetValue(scenes),
                VaeSteps = result.GetValue(vaeSteps),
                VaeBatchSize = result.GetValue(vaeBatch),
                VaeLearningRate = result.GetValue(vaeLr),
                DenoiserSteps = result.GetValue(steps),
                DenoiserBatchSize = result.GetValue(batch),
                DenoiserLearningRate = result.GetValue(lr),
                EmptyCaptionRate = result.GetValue(empty),
                FlowMatching = result.GetValue(flow),
                // Parse validates, so a bad size is one error line before any scene is rendered.
                UNetSize = ShapesUNetSize.Parse(result.GetValue(unetChannels)!, result.GetValue(layersPerBlock)),
                CheckpointEvery = result.GetValue(checkpointEvery),
                Seed = result.GetValue(seed),
                TorchThreads = result.GetValue(threads),
            };
            var bar = new TrainingProgressBar(Console.Error);
            void Log(string line)
            {
                bar.Finish();
                Console.Error.WriteLine(line);
            }

            BaseRunResult run;
            try
            {
                // libtorch's thread count is per OS thread: train on one thread the run owns.
                run = await Task.Factory.StartNew(
                    () => ShapesBaseRun.Run(options, bar, Log, ct), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            }
            catch (OperationCanceledException)
            {
                // Where to resume from; other errors are reported by CommandErrors.
                bar.Finish();
                Console.Error.WriteLine($"stopped; checkpoints are in {Path.Combine(options.Output, ShapesBaseRun.TrainingFolder)} (run again to resume)");
                return CommandErrors.Stopped;
            }
            finally
            {
                bar.Finish();
            }

            Console.WriteLine(FormattableString.Invariant(
                $"trained the base pipeline to step {run.Step} (from {run.StartStep}) in {run.Total.TotalMinutes:F1} min (VAE stage {run.VaeStage.TotalMinutes:F1} min); latent scaling {run.ScalingFactor:G4}; pipeline: {run.Output}"));
            return 0;
        });
        return command;
    }

    private static Command Preference()
    {
        var model = CommonOptions.Model("Reference pipeline folder (diffusers layout; its unet or unet_win (SD1.5, SDXL), or transformer or transformer_win (SD3), is the reference).");
        var data = new Option<string>("--data") { Description = "Preference data: a folder with pairs.jsonl, or a .parquet file (docs/preference-data.md).", Required = true };
        var method = new Option<string>("--method") { Description = "Objective.", DefaultValueFactory = _ => "chats" };
        method.AcceptOnlyFromAmong([.. PreferenceMethodNames.All]);
        var steps = new Option<int>("--steps") { Description = "Optimiser step to end at (counting steps before a resume).", DefaultValueFactory = _ => 1000 };
        var batchSize = new Option<int>("--batch-size") { Description = "Pairs per step.", DefaultValueFactory = _ => 1 };
        var learningRate = new Option<double>("--lr") { Description = "AdamW learning rate.", DefaultValueFactory = _ => 1e-5 };
        var beta = new Option<double>("--beta") { Description = "β of the preference loss.", DefaultValueFactory = _ => 1000 };
        var pUncond = new Option<double>("--p-uncond") { Description = "Probability of the null conditioning on the dispreferred side (CHATS).", DefaultValueFactory = _ => 0.5 };
        var nullConditioning = new Option<string>("--null-conditioning") { Description = "Null conditioning: zeros or empty-prompt.", DefaultValueFactory = _ => "zeros" };
        nullConditioning.AcceptOnlyFromAmong("zeros", "empty-prompt");
        var checkpointEvery = CommonOptions.CheckpointEvery(500);
        var resolution = new Option<int?>("--resolution") { Description = "Training image side (default: the model's native size); SDXL time ids use it as original and target size, crop (0, 0)." };
        var seed = new Option<long>("--seed") { Description = "Seed of the noise draws and the data shuffle.", DefaultValueFactory = _ => 0 };
        var output = CommonOptions.Out<DirectoryInfo>("Output folder (checkpoint + pipeline); an existing checkpoint there is resumed.");
        var threads = CommonOptions.TorchThreads();
        var command = new Command(
            "preference",
            "Fine-tune a reference pipeline on preference pairs (CHATS, Diffusion-DPO or a Table 4 variant); writes a checkpoint and a complete pipeline folder, and resumes from it.")
        {
            model, data, method, steps, batchSize, learningRate, beta, pUncond, nullConditioning, checkpointEvery, resolution, seed, output, threads,
        };

        command.SetAction(async (result, ct) =>
        {
            var options = new PreferenceRunOptions
            {
                ReferenceModel = result.GetValue(model)!.FullName,
                Data = Path.GetFullPath(result.GetValue(data)!),
                Output = result.GetValue(output)!.FullName,
                Method = PreferenceMethodNames.Parse(result.GetValue(method)!),
                Steps = result.GetValue(steps),
                BatchSize = result.GetValue(batchSize),
                LearningRate = result.GetValue(learningRate),
                Beta = result.GetValue(beta),
                PUncond = result.GetValue(pUncond),
                NullConditioning = result.GetValue(nullConditioning) == "empty-prompt" ? NullConditioningKind.EmptyPrompt : NullConditioningKind.Zeros,
                CheckpointEvery = result.GetValue(checkpointEvery),
                Resolution = result.GetValue(resolution),
                Seed = result.GetValue(seed),
                TorchThreads = result.GetValue(threads),
            };
            Console.Error.WriteLine($"encoding preference pairs from {options.Data} ...");
            var bar = new TrainingProgressBar(Console.Error);
            PreferenceRunResult run;
            try
            {
                run = await PreferenceRun.RunAsync(options, bar, ct);
            }
            catch (OperationCanceledException)
            {
                // Where to resume from; other errors are reported by CommandErrors.
                bar.Finish();
                bool saved = File.Exists(Path.Combine(options.Output, Chats.Training.Training.TrainingCheckpoint.StateFileName));
                Console.Error.WriteLine(saved ? $"stopped; the last step's checkpoint is in {options.Output} (run again to resume)" : "stopped before any step");
                return CommandErrors.Stopped;
            }
            finally
            {
                bar.Finish();
            }

            string resumed = run.StartStep > 0 ? $" (resumed from step {run.StartStep})" : string.Empty;
            Console.WriteLine($"trained {PreferenceMethodNames.Name(options.Method)} to step {run.Step} on {run.Pairs} pairs{resumed}; pipeline: {run.Output}");
            return 0;
        });
        return command;
    }
}
