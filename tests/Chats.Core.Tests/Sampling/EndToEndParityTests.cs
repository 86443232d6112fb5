using Chats.Tools;
using Chats.Core.Guidance;
using Chats.Core.Imaging;
using Chats.Core.Sampling;
using Chats.Core.Schedulers;
using Chats.Core.Tensors;
using Chats.Training.Data;

namespace Chats.Core.Tests.Sampling;

/// <summary>
/// The sampler's <see cref="GenerationPipeline"/> against the reference pipelines (diffusers' StableDiffusion(XL)Pipeline
/// and the official CHATS pipelines), step by step, from the reference's initial noise. Prompts of multi-prompt
/// cases run as separate generations (one prompt per request) with their slice of the noise and are compared
/// against their rows of the reference batch.
/// </summary>
[Collection("TorchSharp")]
public sealed class EndToEndParityTests
{
    /// <summary>Conditionings, model inputs and outputs, latents, decoder input and output (fp32, max abs).</summary>
    private const double Tolerance = 1e-4;

    /// <summary>8-bit images: rounding of values that differ by ~1e-6 may land on the other side of a half.</summary>
    private const int PixelTolerance = 1;

    public static TheoryData<string, string, string> CfgCases => new()
    {
        { "tiny-sd15", "e2e_ddim.safetensors", "unet" },
        { "tiny-sd15", "e2e_euler.safetensors", "unet" },
        { "tiny-sdxl", "e2e_nonsquare_neg.safetensors", "unet" },
        { "tiny-sdxl", "e2e_square_zero_neg.safetensors", "unet" },
        { "tiny-chats-sd15", "cfg_baseline_b1.safetensors", "unet_win" },
        { "tiny-chats-sd15", "cfg_baseline_b2_nonsquare.safetensors", "unet_win" },
        { "tiny-chats-sdxl", "cfg_baseline_b1.safetensors", "unet_win" },
        { "tiny-chats-sdxl", "cfg_baseline_b2_nonsquare.safetensors", "unet_win" },
    };

    public static TheoryData<string, string> ChatsCases => new()
    {
        { "tiny-chats-sd15", "chats_b1.safetensors" },
        { "tiny-chats-sd15", "chats_b2_nonsquare.safetensors" },
        { "tiny-chats-sdxl", "chats_b1.safetensors" },
        { "tiny-chats-sdxl", "chats_b2_nonsquare.safetensors" },
    };

    [Theory]
    [MemberData(nameof(CfgCases))]
    public async Task CfgGeneration_MatchesDiffusersPipelineStepByStep(string pipeline, string caseFile, string cfgComponent)
    {
        using var reference = EndToEndCase.Read(pipeline, caseFile);
        using var generation = new InProcessGeneration(reference.FolderPath, GuidanceMode.Cfg, cfgComponent);
        var guidance = new GuidanceParameters(
            GuidanceMode.Cfg, ClassifierFreeGuidance.FromDiffusersGuidanceScale(reference.GuidanceScale), 0f);
        var tally = new ParityTally();
        int batch = reference.Prompts.Count;
        for (int b = 0; b < batch; b++)
        {
            generation.Cfg!.Clear();
            HostTensor noise = await GenerateAsync(generation, reference, "init_noise", b, guidance);

            // One session, opened with [conditional, unconditional]; the reference CFG batch is [negative rows; positive rows].
            var setup = Assert.Single(generation.Cfg.Setups);
            Assert.Equal(2, setup.Conditionings.Count);
            CompareConditioning(tally, reference, setup, 0, "encoder_hidden_states", "add_text_embeds", batch + b);
            CompareConditioning(tally, reference, setup, 1, "encoder_hidden_states", "add_text_embeds", b);
            if (caseFile.Contains("zero_neg", StringComparison.Ordinal))
            {
                Assert.Equal(1L, reference.Tensors["negative_embeds_are_zeros"].item<long>());
                Assert.All(setup.Conditionings[1].HiddenStates.Data, v => Assert.Equal(0f, v));
                Assert.All(setup.Conditionings[1].Pooled!.Data, v => Assert.Equal(0f, v));
            }

            var steps = generation.Cfg.Steps.OrderBy(s => s.StepIndex).ToList();
            Assert.Equal(reference.Steps, steps.Count);
            for (int i = 0; i < steps.Count; i++)
            {
                Assert.Equal([0, 1], steps[i].ConditioningIndices);
                CompareStepInput(tally, reference, steps[i], i, b);
                tally.Add("unet_out.cond", steps[i].Outputs[0].Data, reference.Floats("unet_out", i, batch + b), Tolerance);
                tally.Add("unet_out.uncond", steps[i].Outputs[1].Data, reference.Floats("unet_out", i, b), Tolerance);
            }

            ReplayScheduler(generation, reference, noise, guidance, steps, null, b, tally);
            CompareDecoder(generation, reference, b, tally, imageUint8: null);
        }

        tally.AssertWithinTolerances($"{pipeline}/{caseFile}");
    }

    [Theory]
    [MemberData(nameof(ChatsCases))]
    public async Task ChatsGeneration_MatchesOfficialChatsPipelineStepByStep(string pipeline, string caseFile)
    {
        using var reference = EndToEndCase.Read(pipeline, caseFile);
        using var generation = new InProcessGeneration(reference.FolderPath, GuidanceMode.Chats);

        // The CHATS pipelines compute pred_win + guidance_scale·(pred_win − pred_lose): s is guidance_scale itself.
        var guidance = new GuidanceParameters(GuidanceMode.Chats, reference.GuidanceScale, reference.Alpha);
        var tally = new ParityTally();
        for (int b = 0; b < reference.Prompts.Count; b++)
        {
            generation.Preferred!.Clear();
            generation.Dispreferred!.Clear();
            HostTensor noise = await GenerateAsync(generation, reference, "initial_noise", b, guidance);

            var win = Assert.Single(generation.Preferred.Setups);
            var lose = Assert.Single(generation.Dispreferred.Setups);
            CompareConditioning(tally, reference, win, 0, "encoder_hidden_states_win", "text_embeds_win", b);
            CompareConditioning(tally, reference, lose, 0, "encoder_hidden_states_lose", "text_embeds_lose", b);

            var winSteps = generation.Preferred.Steps.OrderBy(s => s.StepIndex).ToList();
            var loseSteps = generation.Dispreferred.Steps.OrderBy(s => s.StepIndex).ToList();
            Assert.Equal(reference.Steps, winSteps.Count);
            Assert.Equal(reference.Steps, loseSteps.Count);
            for (int i = 0; i < winSteps.Count; i++)
            {
                CompareStepInput(tally, reference, winSteps[i], i, b);
                CompareStepInput(tally, reference, loseSteps[i], i, b);
                tally.Add("pred_win", winSteps[i].Outputs[0].Data, reference.Floats("pred_win", i, b), Tolerance);
                tally.Add("pred_lose", loseSteps[i].Outputs[0].Data, reference.Floats("pred_lose", i, b), Tolerance);
            }

            ReplayScheduler(generation, reference, noise, guidance, winSteps, loseSteps, b, tally);
            CompareDecoder(generation, reference, b, tally, imageUint8: "image_uint8");
        }

        tally.AssertWithinTolerances($"{pipeline}/{caseFile}");
    }

    /// <summary>Runs prompt <paramref name="b"/> as its own one-image generation from its slice of the reference noise.</summary>
    private static async Task<HostTensor> GenerateAsync(
        InProcessGeneration generation, EndToEndCase reference, string noiseName, int b, GuidanceParameters guidance)
    {
        var kind = NoiseSchedulerFactory.KindOf(reference.SchedulerClass)
            ?? throw new InvalidOperationException($"no scheduler implements {reference.SchedulerClass}");
        var spec = new GenerationSpec(
            reference.Prompts[b], reference.NegativePrompt, reference.Width, reference.Height, reference.Steps, 0, guidance, kind, 1);
        long h = reference.Height / generation.SpatialFactor, w = reference.Width / generation.SpatialFactor;
        var noise = new HostTensor(reference.Floats(noiseName, b), [1, generation.LatentChannels, h, w]);

        var events = new List<GenerationEvent>();
        await foreach (var e in generation.Pipeline.RunAsync(spec, $"{reference.File}/{b}", noise, TestContext.Current.CancellationToken))
        {
            events.Add(e);
        }

        Assert.Equal(reference.Steps, events.OfType<GenerationProgressEvent>().Count());
        var image = Assert.Single(events.OfType<GenerationImageEvent>());
        Assert.Equal((reference.Width, reference.Height), (image.Width, image.Height));
        return noise;
    }

    private static void CompareConditioning(
        ParityTally tally, EndToEndCase reference, DenoiserSessionSetup setup, int index, string hiddenName, string pooledName, int row)
    {
        var conditioning = setup.Conditionings[index];
        tally.Add(hiddenName, conditioning.HiddenStates.Data, reference.Floats(hiddenName, row), Tolerance);
        if (reference.Tensors.ContainsKey("add_time_ids"))
        {
            tally.Add(pooledName, conditioning.Pooled!.Data, reference.Floats(pooledName, row), Tolerance);

            // Every row of add_time_ids is the same [H, W, 0, 0, H, W].
            tally.Add("add_time_ids", conditioning.Get(ConditioningNames.TimeIds)!.Data, reference.Floats("add_time_ids", 0), 0);
        }
        else
        {
            Assert.Null(conditioning.Pooled);
            Assert.Null(conditioning.Get(ConditioningNames.TimeIds));
        }
    }

    private static void CompareStepInput(ParityTally tally, EndToEndCase reference, RecordedDenoiserStep step, int i, int b)
    {
        Assert.Equal(i, step.StepIndex);
        tally.Add("unet_t", [step.Timestep], reference.Floats("unet_t", i), 0);
        tally.Add("unet_in", step.Input.Data, reference.Floats("unet_in", i, b), Tolerance);
    }

    /// <summary>
    /// Replays the pipeline's scheduler over the recorded predictions: each model input must equal the recorded
    /// one bit for bit and the final latents the decoder's input, so the replayed latents are the pipeline's.
    /// </summary>
    private static void ReplayScheduler(
        InProcessGeneration generation,
        EndToEndCase reference,
        HostTensor noise,
        GuidanceParameters guidance,
        List<RecordedDenoiserStep> first,
        List<RecordedDenoiserStep>? second,
        int b,
        ParityTally tally)
    {
        var kind = NoiseSchedulerFactory.KindOf(reference.SchedulerClass)!.Value;
        var scheduler = NoiseSchedulerFactory.Create(kind, generation.SchedulerConfig);
        scheduler.SetTimesteps(reference.Steps);
        tally.Add("init_noise_sigma", [scheduler.InitNoiseSigma], reference.Floats("init_noise_sigma"), 1e-6);
        float[] latents = [.. noise.Data.Select(v => v * scheduler.InitNoiseSigma)];
        var guided = new float[latents.Length];
        for (int i = 0; i < reference.Steps; i++)
        {
            float[] modelInput = (float[])latents.Clone();
            scheduler.ScaleModelInput(modelInput, i);
            Assert.Equal(first[i].Input.Data, modelInput);
            if (second is null)
            {
                ClassifierFreeGuidance.Combine(first[i].Outputs[0].Data, first[i].Outputs[1].Data, guidance.Scale, guided);
            }
            else
            {
                ChatsProxyGuidance.Combine(first[i].Outputs[0].Data, second[i].Outputs[0].Data, guidance.Scale, guided);
                tally.Add("noise_pred", guided, reference.Floats("noise_pred", i, b), Tolerance);
            }

            scheduler.Step(guided, i, latents);
            tally.Add("latents", latents, reference.Floats("latents", i, b), Tolerance);
        }

        Assert.Equal(generation.Decoder.Latents!.Data, latents);
    }

    private static void CompareDecoder(InProcessGeneration generation, EndToEndCase reference, int b, ParityTally tally, string? imageUint8)
    {
        var decoder = generation.Decoder;
        float[] decodeIn = [.. decoder.Latents!.Data.Select(v => (float)(v / generation.VaeScalingFactor))];

        // latents / scaling_factor: the latents' error grows by 1/scaling_factor (×5.5 for SD1.5, ×7.7 for SDXL).
        tally.Add("vae_decode_in", decodeIn, reference.Floats("vae_decode_in", b), Tolerance / generation.VaeScalingFactor);
        tally.Add("image_decoded_raw", decoder.Raw!.Data, reference.Floats("image_decoded_raw", b), Tolerance);

        var image = RgbImageDecoder.Decode(Assert.Single(decoder.Pngs!));
        var (rgb, width, height) = (image.Rgb, image.Width, image.Height);
        Assert.Equal((reference.Width, reference.Height), (width, height));

        // CHATS returns its uint8 image; diffusers' 'pt' output is (raw/2 + 0.5).clamp(0, 1), quantised here as
        // diffusers' numpy_to_pil does.
        byte[] expected = imageUint8 is null
            ? ImageConversion.PlanarSignedToRgb(reference.Floats("image_decoded_raw", b), width, height)
            : reference.Bytes(imageUint8, b);
        tally.Add(imageUint8 ?? "image_uint8 (from raw)", rgb, expected, PixelTolerance);
    }
}
