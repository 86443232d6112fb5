using System.Diagnostics;
using Chats.Inference.Models.Clip;
using Chats.Inference.Models.UNet2DCondition;
using Chats.Inference.Models.Vae;
using Chats.Core.Schedulers;
using Chats.Core.Tokenization;
using Chats.Core.Sampling;
using Chats.Training.Diffusion;
using Chats.Training.Shapes;
using Chats.Training.Training;
using static TorchSharp.torch;

namespace Chats.Training.Runs;

/// <summary>
/// Trains the ShapesEval base pipeline from scratch, in two resumable stages over scenes rendered in memory:
/// <list type="number">
/// <item>the VAE (<see cref="VaeTrainer"/>); its latent scaling factor is then set to 1 / std of the training latents;</item>
/// <item>the UNet and the CLIP text encoder jointly (<see cref="DenoiserTrainer"/>) on the pre-encoded latents (posterior
/// means), with a fraction of captions emptied so the unconditional prediction CFG needs is learned.</item>
/// </list>
/// Each stage checkpoints under <c>{Output}/training/</c>; the UNet stage also rewrites the complete pipeline at
/// <see cref="BaseRunOptions.Output"/> at every checkpoint, so a pipeline exists from the first checkpoint on. Running
/// again continues from the last checkpoint; everything is deterministic in the seed (and the thread count).
/// </summary>
public static class ShapesBaseRun
{
    /// <summary>The stage checkpoints' folder inside the output.</summary>
    public const string TrainingFolder = "training";

    private const int EncodeChunk = 256;

    /// <summary>Runs (or resumes) the base training; cancellation is checked between steps and saves the stage's checkpoint first.</summary>
    public static BaseRunResult Run(
        BaseRunOptions options, IProgress<TrainingProgress>? progress = null, Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Output, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Scenes, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.VaeBatchSize, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.DenoiserBatchSize, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.CheckpointEvery, nameof(options));
        ArgumentNullException.ThrowIfNull(options.UNetSize, nameof(options));
        options.UNetSize.Validate();
        string denoiserDir = Path.Combine(Path.GetFullPath(options.Output), TrainingFolder, "denoiser");
        CheckResumedSize(denoiserDir, options.UNetSize);
        if (options.TorchThreads is int threads)
        {
            set_num_threads(threads);
        }

        var clock = Stopwatch.StartNew();
        string output = Path.GetFullPath(options.Output);
        string work = Path.Combine(output, TrainingFolder);
        Directory.CreateDirectory(work);

        log?.Invoke($"rendering {options.Scenes} training scenes (seed {options.Seed})");
        var (prompts, pixels) = RenderScenes(options.Scenes, options.Seed);
        using var pixelData = pixels;

        log?.Invoke($"stage 1/2: VAE, {options.VaeSteps} steps of {options.VaeBatchSize} images");
        using var vae = TrainVae(options, pixels, Path.Combine(work, "vae"), progress, cancellationToken);
        double scaling = LatentScalingFactor(vae, pixels);
        log?.Invoke($"latent scaling factor {scaling:G6} (1 / std of the training latents)");
        using var latents = EncodeLatents(vae, pixels, scaling);
        var vaeTime = clock.Elapsed;

        string tokenizerDir = Path.Combine(work, "tokenizer");
        int vocabSize = ShapesPipelineConfig.WriteTokenizer(tokenizerDir);
        var tokenizer = ClipTokenizer.Load(tokenizerDir);
        using var ids = TokenIds(tokenizer, prompts);
        using var emptyIds = tensor(tokenizer.EncodePadded(string.Empty), [1, tokenizer.MaxLength], ScalarType.Int64);

        log?.Invoke($"stage 2/2: UNet + text encoder, {options.DenoiserSteps} steps of {options.DenoiserBatchSize} images");
        DenoiserTrainer trainer;
        UNet2DConditionModel? unet = null;
        ClipTextModel? text = null;
        if (File.Exists(Path.Combine(denoiserDir, TrainingCheckpoint.StateFileName)))
        {
            trainer = DenoiserTrainer.Resume(denoiserDir);
        }
        else
        {
            manual_seed(options.Seed + 2);
            unet = new UNet2DConditionModel(UNet2DConditionConfig.Parse(ShapesPipelineConfig.UNetConfig(options.UNetSize)));
            string textConfig = Path.Combine(work, "text_encoder_config.json");
            File.WriteAllText(textConfig, ShapesPipelineConfig.TextEncoder(vocabSize));
            text = new ClipTextModel(ClipTextConfig.Load(textConfig));
            INoisingProcess noising = options.FlowMatching
                ? new FlowMatchingNoising(1000)
                : new DiffusionNoising(SchedulerConfig.Parse(ShapesPipelineConfig.DiffusionScheduler, "scheduler_config.json"));
            trainer = new DenoiserTrainer(unet, noising, new TrainerOptions { LearningRate = options.DenoiserLearningRate, Seed = options.Seed + 2 }, text);
        }

        try
        {
            log?.Invoke(ShippingSize(options.UNetSize, trainer.UNet, trainer.TextEncoder!, vae));
            int start = trainer.Step;
            void Save()
            {
                trainer.SaveCheckpoint(denoiserDir);
                WritePipeline(output, options.FlowMatching, tokenizerDir, trainer, vae, scaling);
            }

            double medianStep = RunStage(
                () => trainer.Step,
                step => trainer.TrainStep(DenoiserBatchAt(step, options, latents, ids, emptyIds)),
                options.DenoiserSteps,
                options.CheckpointEvery,
                Save,
                progress,
                cancellationToken);
            Save();
            if (trainer.Step > start)
            {
                log?.Invoke(FormattableString.Invariant(
                    $"UNet stage: {trainer.Step - start} steps of {options.DenoiserBatchSize} images, median {medianStep:F3} s per step"));
            }

            log?.Invoke($"pipeline written to {output}");
            return new BaseRunResult(output, start, trainer.Step, vaeTime, clock.Elapsed, scaling);
        }
        finally
        {
            trainer.Dispose();
            unet?.Dispose();
            text?.Dispose();
        }
    }

    private static AutoencoderKL TrainVae(
        BaseRunOptions options, Tensor pixels, string folder, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var loss = new VaeLossOptions();
        VaeTrainer trainer;
        AutoencoderKL? created = null;
        if (File.Exists(Path.Combine(folder, TrainingCheckpoint.StateFileName)))
        {
            trainer = VaeTrainer.Resume(folder, loss);
        }
        else
        {
            manual_seed(options.Seed + 1);
            created = new AutoencoderKL(AutoencoderKLConfig.Parse(ShapesPipelineConfig.Vae(1.0)));
            trainer = new VaeTrainer(created, new TrainerOptions { LearningRate = options.VaeLearningRate, Seed = options.Seed + 1 }, loss);
        }

        using (trainer)
        {
            if (trainer.Step < options.VaeSteps)
            {
                RunStage(
                    () => trainer.Step,
                    step =>
                    {
                        using var scope = NewDisposeScope();
                        return trainer.TrainStep(ImageBatch(pixels, BatchIndices(options.Seed + 1, step, options.VaeBatchSize, pixels.shape[0])));
                    },
                    options.VaeSteps,
                    options.CheckpointEvery,
                    () => trainer.SaveCheckpoint(folder),
                    progress,
                    cancellationToken);
                trainer.SaveCheckpoint(folder);
            }

            if (created is not null)
            {
                created.eval();
                return created;
            }

            // The resumed trainer owns its VAE: hand a fresh copy of the saved one to the caller.
            return AutoencoderKL.Load(Path.Combine(folder, VaeTrainer.Component));
        }
    }

    /// <summary>Steps to <paramref name="steps"/>, checkpointing on the way; returns the median wall time of one step (0 when none ran).</summary>
    private static double RunStage(
        Func<int> currentStep, Func<int, float> trainStep, int steps, int checkpointEvery, Action save,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        int start = currentStep();
        var clock = Stopwatch.StartNew();
        var stepSeconds = new List<double>();
        while (currentStep() < steps)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                if (currentStep() > start)
                {
                    save();
                }

                cancellationToken.ThrowIfCancellationRequested();
            }

            // Checkpoint writes are outside the timed span: the median is the cost of a training step alone.
            var stepStart = clock.Elapsed;
            float loss = trainStep(currentStep());
            stepSeconds.Add((clock.Elapsed - stepStart).TotalSeconds);
            int step = currentStep();
            double rate = (step - start) / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
            progress?.Report(new TrainingProgress(step, steps, loss, rate, TimeSpan.FromSeconds(Math.Min((steps - step) / Math.Max(rate, 1e-9), 1e9))));
            if (step % checkpointEvery == 0 && step < steps)
            {
                save();
            }
        }

        return Median(stepSeconds);
    }

    internal static double Median(List<double> values)
    {
        if (values.Count == 0)
        {
            return 0;
        }

        values.Sort();
        int mid = values.Count / 2;
        return values.Count % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }

    /// <summary>A resume continues the saved UNet: asking for another size would silently train the old one, so refuse.</summary>
    private static void CheckResumedSize(string denoiserDir, ShapesUNetSize size)
    {
        string config = Path.Combine(denoiserDir, DenoiserComponents.Standard, UNet2DConditionModel.ConfigFileName);
        if (!File.Exists(Path.Combine(denoiserDir, TrainingCheckpoint.StateFileName)) || !File.Exists(config))
        {
            return;
        }

        var saved = UNet2DConditionConfig.Load(config);
        if (!saved.BlockOutChannels.SequenceEqual(size.BlockOutChannels) || saved.LayersPerBlock.Any(l => l != size.LayersPerBlock))
        {
            var savedSize = new ShapesUNetSize(saved.BlockOutChannels, saved.LayersPerBlock[0]);
            throw new ArgumentException(
                $"the checkpoint in {denoiserDir} is a UNet of {savedSize}, not {size}: resume with the size it started with, or use a new --out");
        }
    }

    /// <summary>Parameter counts and fp32 / fp16 bytes of what a pipeline of this run ships (CHATS ships the UNet twice).</summary>
    internal static string ShippingSize(ShapesUNetSize size, nn.Module unet, nn.Module text, nn.Module vae)
    {
        long u = ParameterCount(unet), t = ParameterCount(text), v = ParameterCount(vae);
        static string Mb(long bytes) => FormattableString.Invariant($"{bytes / 1e6:F2} MB");
        return FormattableString.Invariant(
            $"UNet {size}: {u:N0} parameters (fp32 {Mb(4 * u)}, fp16 {Mb(2 * u)}); text encoder {t:N0}; VAE {v:N0}; ")
            + $"one-UNet pipeline fp32 {Mb(4 * (u + t + v))}, fp16 {Mb(2 * (u + t + v))}; two-UNet (CHATS) pipeline fp32 {Mb(4 * ((2 * u) + t + v))}, fp16 {Mb(2 * ((2 * u) + t + v))}";
    }

    internal static long ParameterCount(nn.Module module) => module.parameters().Sum(p => p.numel());

    /// <summary>Renders the training scenes: prompts, and pixels as uint8 (N, 64, 64, 3).</summary>
    internal static (List<string> Prompts, Tensor Pixels) RenderScenes(int count, int seed)
    {
        var generator = new ShapesPromptGenerator(seed);
        var rng = new Random(seed + 1);
        int size = ShapesVocabulary.Width * ShapesVocabulary.Height * 3;
        var bytes = new byte[(long)count * size];
        var prompts = new List<string>(count);
        for (int i = 0; i < count; i++)
        {
            var prompt = generator.Next();
            prompts.Add(prompt.ToText());
            ShapesRenderer.RenderRgb(ShapesRenderer.Render(prompt, rng)).CopyTo(bytes, (long)i * size);
        }

        return (prompts, tensor(bytes, [count, ShapesVocabulary.Height, ShapesVocabulary.Width, 3]));
    }

    /// <summary>Images (B, 3, H, W) in [-1, 1] for the given scene indices.</summary>
    private static Tensor ImageBatch(Tensor pixels, long[] indices)
    {
        using var index = tensor(indices);
        return (pixels.index_select(0, index).permute(0, 3, 1, 2).to(ScalarType.Float32) / 127.5) - 1.0;
    }

    /// <summary>The scene indices of step <paramref name="step"/>: uniform with replacement, from a generator seeded by seed and step, so a resumed run draws the same batches.</summary>
    private static long[] BatchIndices(int seed, int step, int batchSize, long count)
    {
        var rng = new Random(HashCode.Combine(seed, step, 0x5eed));
        var indices = new long[batchSize];
        for (int i = 0; i < batchSize; i++)
        {
            indices[i] = rng.NextInt64(count);
        }

        return indices;
    }

    private static DenoiserBatch DenoiserBatchAt(int step, BaseRunOptions options, Tensor latents, Tensor ids, Tensor emptyIds)
    {
        var indices = BatchIndices(options.Seed + 2, step, options.DenoiserBatchSize, latents.shape[0]);
        using var index = tensor(indices);
        var batchIds = ids.index_select(0, index);
        var rng = new Random(HashCode.Combine(options.Seed, step, 0xca9));
        for (int i = 0; i < indices.Length; i++)
        {
            if (rng.NextDouble() < options.EmptyCaptionRate)
            {
                batchIds[i].copy_(emptyIds[0]);
            }
        }

        return new DenoiserBatch(latents.index_select(0, index), batchIds);
    }

    private static Tensor TokenIds(ClipTokenizer tokenizer, List<string> prompts)
    {
        var cache = new Dictionary<string, long[]>(StringComparer.Ordinal);
        var flat = new long[prompts.Count * tokenizer.MaxLength];
        for (int i = 0; i < prompts.Count; i++)
        {
            if (!cache.TryGetValue(prompts[i], out var row))
            {
                row = tokenizer.EncodePadded(prompts[i]);
                cache[prompts[i]] = row;
            }

            row.CopyTo(flat, i * tokenizer.MaxLength);
        }

        return tensor(flat, [prompts.Count, tokenizer.MaxLength]);
    }

    private static Tensor PosteriorMeans(AutoencoderKL vae, Tensor pixels, long start, long length)
    {
        using var scope = NewDisposeScope();
        var indices = Enumerable.Range(0, (int)length).Select(i => start + i).ToArray();
        var moments = vae.encode(ImageBatch(pixels, indices));
        return moments.narrow(1, 0, moments.shape[1] / 2).MoveToOuterDisposeScope();
    }

    private static double LatentScalingFactor(AutoencoderKL vae, Tensor pixels)
    {
        using var noGrad = no_grad();
        using var means = PosteriorMeans(vae, pixels, 0, Math.Min(2048, pixels.shape[0]));
        return 1.0 / means.std().item<float>();
    }

    private static Tensor EncodeLatents(AutoencoderKL vae, Tensor pixels, double scaling)
    {
        using var noGrad = no_grad();
        var chunks = new List<Tensor>();
        try
        {
            for (long i = 0; i < pixels.shape[0]; i += EncodeChunk)
            {
                chunks.Add(PosteriorMeans(vae, pixels, i, Math.Min(EncodeChunk, pixels.shape[0] - i)));
            }

            using var all = cat(chunks, 0);
            return all * scaling;
        }
        finally
        {
            foreach (var chunk in chunks)
            {
                chunk.Dispose();
            }
        }
    }

    private static void WritePipeline(string output, bool flow, string tokenizerDir, DenoiserTrainer trainer, AutoencoderKL vae, double scaling)
    {
        File.WriteAllText(Path.Combine(output, "model_index.json"), ShapesPipelineConfig.ModelIndex(flow, DenoiserComponents.Standard));
        string scheduler = Path.Combine(output, "scheduler");
        Directory.CreateDirectory(scheduler);
        File.WriteAllText(
            Path.Combine(scheduler, "scheduler_config.json"), flow ? ShapesPipelineConfig.FlowScheduler : ShapesPipelineConfig.DiffusionScheduler);
        string tokenizer = Path.Combine(output, "tokenizer");
        Directory.CreateDirectory(tokenizer);
        foreach (string file in Directory.GetFiles(tokenizerDir))
        {
            File.Copy(file, Path.Combine(tokenizer, Path.GetFileName(file)), overwrite: true);
        }

        trainer.TextEncoder!.Save(Path.Combine(output, TrainingCheckpoint.TextEncoder));
        trainer.UNet.Save(Path.Combine(output, DenoiserComponents.Standard));
        string vaeDir = Path.Combine(output, "vae");
        vae.Save(vaeDir);
        File.WriteAllText(Path.Combine(vaeDir, AutoencoderKL.ConfigFileName), ShapesPipelineConfig.Vae(scaling));
    }
}
