using System.Diagnostics;
using System.Globalization;
using Chats.Inference.Roles;
using Chats.Inference.Local;
using Chats.Core.Loading;
using Chats.Inference.Models.UNet2DCondition;
using Chats.Inference.Models.Vae;
using Chats.Core.Schedulers;
using Chats.Core.Sampling;
using Chats.Training.Data;
using Chats.Training.Diffusion;
using Chats.Training.Losses;
using Chats.Training.Training;
using static TorchSharp.torch;

namespace Chats.Training.Runs;

/// <summary>
/// Fine-tunes a reference pipeline on preference pairs (CHATS, Diffusion-DPO or a Table 4 variant) end to end:
/// encodes the pairs once (<see cref="EncodedPreferenceSet"/>), trains a <see cref="PreferenceTrainer"/> over the
/// reference network (a UNet or an SD3 transformer, see <see cref="DenoiserFamily"/>), and at every checkpoint and at
/// the end writes into <see cref="PreferenceRunOptions.Output"/> both the trainer checkpoint and a complete pipeline in
/// the diffusers layout (loadable by <c>chats generate --model</c>). A folder that already holds a checkpoint is
/// resumed and trained on to <see cref="PreferenceRunOptions.Steps"/>.
/// </summary>
/// <remarks>
/// SD1.5-style UNets, SDXL-style UNets (<c>text_time</c> additional conditioning: pooled text embedding and time ids)
/// and SD3 transformers. Prompts are encoded by the reference folder's text encoders, in the layout its class names
/// call for (<see cref="TextConditioningModels"/>: CLIP for SD1.5; both CLIP encoders' penultimate states and the
/// second's projected pooled output for SDXL; CLIP-L ⊕ CLIP-G for SD3). SDXL time ids are (resolution, resolution,
/// 0, 0, resolution, resolution) for every pair. Runs on the CPU in fp32. Training runs on the calling thread after the
/// data is encoded.
/// </remarks>
public static class PreferenceRun
{
    /// <summary>
    /// Runs (or resumes) the fine-tuning described by <paramref name="options"/>. Cancellation is checked between
    /// steps; a run cancelled after at least one new step first writes its checkpoint and pipeline, then throws
    /// <see cref="OperationCanceledException"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">
    /// The reference folder (e.g. an SDXL UNet without a second text encoder), the data or an existing checkpoint in
    /// the output folder is unusable.
    /// </exception>
    public static async Task<PreferenceRunResult> RunAsync(
        PreferenceRunOptions options, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        var reference = DiffusersPipelineFolder.Open(options.ReferenceModel);
        string output = Path.GetFullPath(options.Output);
        if (string.Equals(output.TrimEnd(Path.DirectorySeparatorChar), reference.Root.TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal))
        {
            throw new ArgumentException($"{output}: the output folder must differ from the reference pipeline folder", nameof(options));
        }

        var (family, referenceComponent) = DenoiserFamily.ReferenceOf(reference);
        // SDXL UNets take time ids (the UNet config loader refuses any addition_embed_type but text_time).
        bool timeIds = family == DenoiserFamily.UNet
            && UNet2DConditionConfig.Load(Path.Combine(reference.ComponentPath(referenceComponent), UNet2DConditionModel.ConfigFileName)).AdditionEmbedType
                == UNetDenoiserNetwork.TextTimeEmbedType;

        using var referenceModel = family.Load(reference.ComponentPath(referenceComponent));
        int resolution = Resolution(reference, options, DenoiserFamily.Network(referenceModel).SampleSize);
        var note = new PreferenceRunNote(options.BatchSize, resolution, options.NullConditioning);
        bool resume = File.Exists(Path.Combine(output, TrainingCheckpoint.StateFileName));
        if (resume)
        {
            CheckResumable(output, options, note);
        }

        using var data = await EncodeAsync(reference, options, resolution, timeIds ? TrainingTimeIds(resolution) : null, cancellationToken).ConfigureAwait(false);
        // libtorch's intra-op thread count is per OS thread (OpenMP), and bit-identical resumes need the same count on
        // every step: train on one thread this run owns, with the configured count, not on whichever pool thread the
        // encoding's continuation happened to land.
        return await Task.Factory.StartNew(
            Train, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);

        PreferenceRunResult Train()
        {
            if (options.TorchThreads is int threads)
            {
                set_num_threads(threads);
            }

            using var trainer = resume
                ? PreferenceTrainer.Resume(output, referenceModel, data.NullConditioning)
                : new PreferenceTrainer(
                    referenceModel,
                    Noising(reference),
                    new TrainerOptions { LearningRate = options.LearningRate, Seed = options.Seed },
                    new PreferenceOptions { Method = options.Method, Beta = options.Beta, PUncond = options.PUncond },
                    data.NullConditioning);

            int start = trainer.Step;
            float? lastLoss = null;
            var clock = Stopwatch.StartNew();
            PreferenceBatch? batch = null;
            try
            {
                while (trainer.Step < options.Steps)
                {
                    if (cancellationToken.IsCancellationRequested)
                    {
                        // Keep the steps done: a cancelled run leaves a checkpoint (and pipeline) at its last step to resume from.
                        if (trainer.Step > start)
                        {
                            Save(trainer, reference, output, note);
                        }

                        cancellationToken.ThrowIfCancellationRequested();
                    }

                    batch?.DisposeTensors();
                    batch = data.Set.Batch(trainer.Step, options.BatchSize);
                    lastLoss = trainer.TrainStep(batch);
                    double rate = (trainer.Step - start) / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
                    var eta = TimeSpan.FromSeconds(Math.Min((options.Steps - trainer.Step) / Math.Max(rate, 1e-9), 1e9));
                    progress?.Report(new TrainingProgress(trainer.Step, options.Steps, lastLoss.Value, rate, eta));
                    if (trainer.Step % options.CheckpointEvery == 0 && trainer.Step < options.Steps)
                    {
                        Save(trainer, reference, output, note);
                    }
                }
            }
            finally
            {
                batch?.DisposeTensors();
            }

            Save(trainer, reference, output, note);
            return new PreferenceRunResult(output, start, trainer.Step, data.Set.Count, lastLoss);
        }
    }

    private static void Validate(PreferenceRunOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ReferenceModel, nameof(options));
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Data, nameof(options));
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Output, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.BatchSize, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.Steps, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.CheckpointEvery, nameof(options));
        if (options.PUncond is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.PUncond, "PUncond must be in [0, 1]");
        }

        if (options.Resolution is int r)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(r, nameof(options));
        }
    }

    // The checkpoint carries the objective, optimiser settings and seed, and PreferenceTrainer.Resume uses those; the
    // note carries what decides the batches. Options that differ would be silently ignored or change the data the
    // resumed steps see, so they are refused, all of them named.
    private static void CheckResumable(string output, PreferenceRunOptions options, PreferenceRunNote note)
    {
        var state = TrainingCheckpoint.ReadState(output);
        if (state.Trainer != PreferenceTrainer.TrainerName || state.Preference is null)
        {
            throw new InvalidDataException($"{output}: holds a '{state.Trainer}' checkpoint, not a preference run; choose another output folder");
        }

        var differences = new List<string>();
        void Compare<T>(string name, T saved, T given)
        {
            if (!EqualityComparer<T>.Default.Equals(saved, given))
            {
                differences.Add(string.Create(CultureInfo.InvariantCulture, $"{name} {saved} (given {given})"));
            }
        }

        Compare("method", PreferenceMethodNames.Name(state.Preference.Method), PreferenceMethodNames.Name(options.Method));
        Compare("beta", state.Preference.Beta, options.Beta);
        Compare("p_uncond", state.Preference.PUncond, options.PUncond);
        Compare("learning rate", state.Options.LearningRate, options.LearningRate);
        Compare("seed", state.Seed, options.Seed);
        if (PreferenceRunNote.Parse(state.Note) is { } saved)
        {
            Compare("batch size", saved.BatchSize, note.BatchSize);
            Compare("resolution", saved.Resolution, note.Resolution);
            Compare("null conditioning", saved.NullConditioning, note.NullConditioning);
        }

        if (differences.Count > 0)
        {
            throw new InvalidDataException(
                $"{output}: its checkpoint was trained with {string.Join(", ", differences)}; resume with the same settings or choose another output folder");
        }
    }

    private static INoisingProcess Noising(DiffusersPipelineFolder reference)
    {
        var config = SchedulerConfig.LoadForPipeline(reference.Root);
        return config.PredictionType == PredictionType.FlowVelocity
            ? new FlowMatchingNoising(config.NumTrainTimesteps)
            : new DiffusionNoising(config);
    }

    private static int Resolution(DiffusersPipelineFolder reference, PreferenceRunOptions options, int? latentSampleSize)
    {
        if (options.Resolution is int r)
        {
            return r;
        }

        var vae = AutoencoderKLConfig.Load(Path.Combine(reference.ComponentPath("vae"), AutoencoderKL.ConfigFileName));
        int spatialFactor = 1 << (vae.BlockOutChannels.Count - 1);
        return (latentSampleSize is int s ? s * spatialFactor : (int?)null)
            ?? vae.SampleSize
            ?? throw new InvalidDataException($"{reference.Root}: neither the denoiser nor the VAE config gives sample_size; set a resolution");
    }

    // SDXL's micro-conditioning for a training pair: original size, crop top-left, target size. The pairs carry no
    // original size or crop (the readers centre-crop and resize to the training resolution), so both sizes are the
    // training resolution and the crop is (0, 0), as the official CHATS SDXL script and diffusers' SDXL DPO script do
    // by default. Generating at that size with GenerationPipeline gives the same ids.
    private static float[] TrainingTimeIds(int resolution) => [resolution, resolution, 0, 0, resolution, resolution];

    private static async Task<EncodedData> EncodeAsync(
        DiffusersPipelineFolder reference, PreferenceRunOptions options, int resolution, float[]? timeIds, CancellationToken cancellationToken)
    {
        using var vae = AutoencoderKL.Load(reference.ComponentPath("vae"));
        IPreferenceDataSource source = File.Exists(options.Data) && options.Data.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase)
            ? new PreferenceParquetReader(options.Data, resolution)
            : new PreferenceFolderReader(options.Data, resolution);

        using var text = TextConditioningModels.Load(reference.Root);
        if (timeIds is not null && text.Description.PooledSize == 0)
        {
            throw new InvalidDataException(
                $"{reference.Root}: the UNet takes SDXL's pooled text embedding, but the pipeline has no second text encoder (text_encoder_2 with a projection) to give one");
        }

        var set = await EncodedPreferenceSet.EncodeAsync(source, vae, text, options.Seed, cancellationToken, options.TorchThreads, timeIds).ConfigureAwait(false);
        try
        {
            ConditioningBatch? nullConditioning = null;
            if (options.NullConditioning == NullConditioningKind.EmptyPrompt)
            {
                // Every tensor of the empty prompt's encoding: SD3's and SDXL's pooled embedding is dropped with the
                // tokens (SDXL's time ids are not prompt conditioning and stay).
                var empty = await text.EncodeAsync([string.Empty], cancellationToken).ConfigureAwait(false);
                nullConditioning = new ConditioningBatch(EncodedPreferenceSet.ConditioningTensors(empty[0]));
            }

            return new EncodedData(set, nullConditioning);
        }
        catch
        {
            set.Dispose();
            throw;
        }
    }

    private static void Save(PreferenceTrainer trainer, DiffusersPipelineFolder reference, string output, PreferenceRunNote note)
    {
        PipelineOutputFolder.Write(reference, output, trainer.Family, trainer.PolicyLose is not null);
        trainer.SaveCheckpoint(output);
        var state = TrainingCheckpoint.ReadState(output);
        TrainingCheckpoint.WriteState(output, state with { Note = note.Format() });
    }

    private sealed record EncodedData(EncodedPreferenceSet Set, ConditioningBatch? NullConditioning) : IDisposable
    {
        public void Dispose()
        {
            Set.Dispose();
            NullConditioning?.DisposeTensors();
        }
    }
}
