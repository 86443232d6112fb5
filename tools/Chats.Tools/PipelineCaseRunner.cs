using Chats.Core.Guidance;
using Chats.Core.Imaging;
using Chats.Core.Loading;
using Chats.Core.Sampling;
using Chats.Core.Schedulers;
using Chats.Core.Tensors;
using Chats.Inference.Engine;
using Chats.Inference.Loading;
using Chats.Inference.Local;
using Chats.Inference.Roles;
using Chats.Inference.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Chats.Tools;

/// <summary>
/// Runs an end-to-end reference case (diffusers-reference-sd3's <c>cfg_*</c> and <c>chats_*</c>) through the sampler's own
/// <see cref="GenerationPipeline"/>, with the case's prompt embeddings standing in for the text encoder and its initial
/// noise for the seed, and returns what the case holds: every step's latents, the decoded image, and what each denoiser
/// was given and returned. It is <c>chats model run --component pipeline</c>: the way a team checks that a checkpoint
/// of this family samples as the reference does.
/// </summary>
/// <remarks>
/// The mode follows the inputs: <c>negative_prompt_embeds</c> (and its pooled twin) make a CFG case on the folder's
/// standard denoiser, <c>null_prompt_embeds</c> a CHATS case (Eq. 17, s = w − 1) on θ+ and θ−. Each batch row runs as its
/// own one-image generation, as requests do.
/// </remarks>
public static class PipelineCaseRunner
{
    /// <summary>The component name <c>chats model run</c> takes for this runner.</summary>
    public const string Component = "pipeline";

    private const string InitialNoise = "initial_noise";

    /// <summary>Loads the folder's roles and runs every row of the case at <paramref name="casePath"/>.</summary>
    /// <param name="modelDir">The pipeline folder (denoiser components, <c>vae/</c>, <c>scheduler/</c>; no text encoder needed).</param>
    /// <param name="casePath">The case file: inputs as tensors, settings in its metadata (<see cref="PipelineCaseSettings"/>).</param>
    /// <param name="cancellationToken">Stops between steps.</param>
    /// <returns>
    /// <c>timesteps</c> [steps]; <c>latents</c> [steps, B, C, h, w] after each step; <c>image_decoded</c> [B, 3, H, W] =
    /// clamp(decode / 2 + 0.5, 0, 1); <c>image_uint8</c> [B, H, W, 3] as the services quantise it. CFG adds
    /// <c>transformer_in</c> / <c>transformer_out</c> [steps, 2B, …] in the reference's [uncond; cond] order; CHATS adds
    /// <c>pred_win</c>, <c>pred_lose</c> and the proxy conditioning θ− was opened with (<c>proxy_prompt_embeds</c>, <c>proxy_pooled_prompt_embeds</c>).
    /// </returns>
    /// <exception cref="InvalidDataException">The case lacks an input or setting, or the folder lacks a role the case needs.</exception>
    public static async Task<Dictionary<string, Tensor>> RunAsync(string modelDir, string casePath, CancellationToken cancellationToken = default)
    {
        var settings = PipelineCaseSettings.Parse(SafetensorsFile.ReadMetadata(casePath), casePath);
        var inputs = SafetensorsFile.Read(casePath);
        try
        {
            return await RunAsync(modelDir, inputs, settings, Path.GetFileNameWithoutExtension(casePath), cancellationToken);
        }
        finally
        {
            foreach (var tensor in inputs.Values)
            {
                tensor.Dispose();
            }
        }
    }

    /// <summary>Runs every row of a case given as tensors and settings (see <see cref="RunAsync(string, string, CancellationToken)"/>).</summary>
    public static async Task<Dictionary<string, Tensor>> RunAsync(
        string modelDir, IReadOnlyDictionary<string, Tensor> inputs, PipelineCaseSettings settings, string caseName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(settings);
        bool chats = inputs.ContainsKey("null_" + ConditioningNames.PromptEmbeds);
        string unconditionalPrefix = chats ? "null_" : "negative_";
        var noise = Input(inputs, InitialNoise, caseName);
        if (noise.dim() != 4)
        {
            throw new InvalidDataException($"{caseName}: '{InitialNoise}' must be [batch, channels, h, w], got [{string.Join(", ", noise.shape)}]");
        }

        var folder = DiffusersPipelineFolder.Open(modelDir);
        using var roles = PipelineCaseRoles.Load(folder, chats);
        var schedulerConfig = SchedulerConfig.LoadForPipeline(folder.Root);
        var kind = NoiseSchedulerFactory.KindOf(schedulerConfig.ClassName ?? string.Empty)
            ?? throw new InvalidDataException($"{folder.Root}/scheduler: no scheduler implements '{schedulerConfig.ClassName}'");
        var d = roles.Description;
        var geometry = new ModelGeometry(
            d.LatentChannels, roles.Decoder.SpatialFactor, settings.Width, settings.Height, d.PredictionType, d.TimeIdsCount > 0, d.PatchSize, d.MaxLatentSide);
        var guidance = chats
            ? new GuidanceParameters(GuidanceMode.Chats, ClassifierFreeGuidance.FromDiffusersGuidanceScale(settings.GuidanceScale), settings.Alpha)
            : new GuidanceParameters(GuidanceMode.Cfg, ClassifierFreeGuidance.FromDiffusersGuidanceScale(settings.GuidanceScale), 0f);
        var spec = new GenerationSpec("case", string.Empty, settings.Width, settings.Height, settings.Steps, 0, guidance, kind, 1);

        var rows = new List<PipelineCaseRow>();
        for (long b = 0; b < noise.shape[0]; b++)
        {
            roles.Clear();
            var encoder = new CasePromptEncoder(Conditioning(inputs, string.Empty, b, caseName), Conditioning(inputs, unconditionalPrefix, b, caseName));
            var pipeline = new GenerationPipeline(encoder, roles.Roles, roles.Decoder, schedulerConfig, geometry);
            HostTensor rowNoise;
            using (var row = noise[b].unsqueeze(0))
            {
                rowNoise = TorchTensorCodec.ToHost(row);
            }

            var state = await pipeline.PrepareAsync(spec, $"{caseName}/{b}", rowNoise, cancellationToken);
            var latents = new List<HostTensor>();
            await using (var run = await pipeline.OpenAsync(state, cancellationToken))
            {
                while (!run.IsDenoised)
                {
                    await run.StepAsync(cancellationToken);
                    latents.Add(run.Capture().Latents);
                }
            }

            var raw = await roles.Decoder.DecodeAsync(latents[^1], cancellationToken);
            rows.Add(new PipelineCaseRow(latents, raw, roles.Recorded()));
        }

        return Outputs(rows, chats, settings);
    }

    private static Dictionary<string, Tensor> Outputs(List<PipelineCaseRow> rows, bool chats, PipelineCaseSettings settings)
    {
        var first = rows[0];
        var timestepSource = first.Denoisers[chats ? DenoiserRole.Preferred : DenoiserRole.Standard].Steps;
        var outputs = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            ["timesteps"] = torch.tensor(timestepSource.OrderBy(s => s.StepIndex).Select(s => s.Timestep).ToArray()),
            ["latents"] = StepsByRow(rows, r => r.Latents),
            ["image_decoded"] = torch.cat([.. rows.Select(r => (TorchTensorCodec.FromHost(r.Raw) / 2 + 0.5).clamp(0, 1))], 0),
            ["image_uint8"] = torch.stack([.. rows.Select(r => torch.tensor(
                ImageConversion.PlanarSignedToRgb(r.Raw.Data, settings.Width, settings.Height), [settings.Height, settings.Width, 3], ScalarType.Byte))]),
        };
        if (chats)
        {
            outputs["pred_win"] = StepsByRow(rows, r => Predictions(r, DenoiserRole.Preferred, 0));
            outputs["pred_lose"] = StepsByRow(rows, r => Predictions(r, DenoiserRole.Dispreferred, 0));
            foreach (string name in new[] { ConditioningNames.PromptEmbeds, ConditioningNames.PooledPromptEmbeds })
            {
                // θ−'s session carries the proxy prompt c̃ = −α·c + (1+α)·∅ the pipeline computed.
                outputs["proxy_" + name] = torch.stack([.. rows.Select(r =>
                    TorchTensorCodec.FromHost(r.Denoisers[DenoiserRole.Dispreferred].Setups.Single().Conditionings.Single().Tensors[name]))]);
            }
        }
        else
        {
            // One session with [c, ∅]; the reference's CFG batch is [∅ rows; c rows].
            outputs["transformer_in"] = torch.cat(
                [StepsByRow(rows, r => Inputs(r, DenoiserRole.Standard)), StepsByRow(rows, r => Inputs(r, DenoiserRole.Standard))], 1);
            outputs["transformer_out"] = torch.cat(
                [StepsByRow(rows, r => Predictions(r, DenoiserRole.Standard, 1)), StepsByRow(rows, r => Predictions(r, DenoiserRole.Standard, 0))], 1);
        }

        return outputs;
    }

    private static List<HostTensor> Predictions(PipelineCaseRow row, DenoiserRole role, int output)
        => [.. row.Denoisers[role].Steps.OrderBy(s => s.StepIndex).Select(s => s.Outputs[output])];

    private static List<HostTensor> Inputs(PipelineCaseRow row, DenoiserRole role)
        => [.. row.Denoisers[role].Steps.OrderBy(s => s.StepIndex).Select(s => s.Input)];

    /// <summary>[steps, rows, …] from each row's per-step [1, …] tensors.</summary>
    private static Tensor StepsByRow(List<PipelineCaseRow> rows, Func<PipelineCaseRow, List<HostTensor>> perStep)
    {
        var byRow = rows.Select(perStep).ToList();
        return torch.stack([.. Enumerable.Range(0, byRow[0].Count).Select(i => torch.cat([.. byRow.Select(r => TorchTensorCodec.FromHost(r[i]))], 0))]);
    }

    /// <summary>Row <paramref name="b"/> of <c>{prefix}prompt_embeds</c> and <c>{prefix}pooled_prompt_embeds</c>, as one prompt's conditioning.</summary>
    private static PromptConditioning Conditioning(IReadOnlyDictionary<string, Tensor> inputs, string prefix, long b, string caseName)
    {
        using var scope = torch.NewDisposeScope();
        var tensors = new Dictionary<string, HostTensor>(StringComparer.Ordinal)
        {
            [ConditioningNames.PromptEmbeds] = TorchTensorCodec.ToHost(Input(inputs, prefix + ConditioningNames.PromptEmbeds, caseName)[b]),
        };
        if (inputs.TryGetValue(prefix + ConditioningNames.PooledPromptEmbeds, out var pooled))
        {
            tensors[ConditioningNames.PooledPromptEmbeds] = TorchTensorCodec.ToHost(pooled[b]);
        }

        return new PromptConditioning(tensors);
    }

    private static Tensor Input(IReadOnlyDictionary<string, Tensor> inputs, string name, string caseName)
        => inputs.TryGetValue(name, out var tensor)
            ? tensor
            : throw new InvalidDataException(
                $"{caseName}: the case has no tensor named '{name}' (it has: {string.Join(", ", inputs.Keys.Order(StringComparer.Ordinal))})");

}
