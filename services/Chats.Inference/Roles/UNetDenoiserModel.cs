using Chats.Core.Loading;
using Chats.Inference.Models.UNet2DCondition;
using Chats.Core.Sampling;
using Chats.Core.Schedulers;
using Chats.Core.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Chats.Inference.Engine;
using Chats.Inference.Tensors;

namespace Chats.Inference.Roles;

/// <summary>
/// One UNet component of a pipeline folder serving denoising steps. All conditionings of a step go through
/// one batched forward pass (latent repeated per conditioning), like diffusers' CFG batch.
/// </summary>
public sealed class UNetDenoiserModel : IDenoiserModel
{
    private readonly UNet2DConditionModel _unet;
    private readonly InferenceWorker _worker;

    private UNetDenoiserModel(UNet2DConditionModel unet, DenoiserDescription description)
    {
        _unet = unet;
        Description = description;
        _worker = new InferenceWorker($"unet:{description.Component}");
    }

    /// <inheritdoc />
    public DenoiserDescription Description { get; }

    /// <summary>Loads <paramref name="component"/> (unet, unet_win or unet_lose) of the pipeline at <paramref name="modelPath"/>, and nothing else.</summary>
    public static UNetDenoiserModel Load(string modelPath, string component, string? modelId = null)
    {
        var folder = DiffusersPipelineFolder.Open(modelPath);
        var unet = UNet2DConditionModel.Load(folder.ComponentPath(component));
        unet.eval();
        var scheduler = SchedulerConfig.LoadForPipeline(folder.Root);
        var config = unet.Config;
        bool textTime = config.AdditionEmbedType == "text_time";
        int pooled = 0, timeIds = 0;
        if (textTime)
        {
            timeIds = 6;
            pooled = (config.ProjectionClassEmbeddingsInputDim ?? 0) - (timeIds * (config.AdditionTimeEmbedDim ?? 0));
        }

        var description = new DenoiserDescription(
            modelId ?? folder.Name, component, config.InChannels, config.SampleSize ?? 64, config.CrossAttentionDim[0], pooled, timeIds,
            scheduler.PredictionType);
        return new UNetDenoiserModel(unet, description);
    }

    /// <inheritdoc />
    public void ValidateConditionings(IReadOnlyList<PromptConditioning> conditionings, float[] timeIds, string field)
    {
        for (int i = 0; i < conditionings.Count; i++)
        {
            var c = conditionings[i];
            var shape = c.HiddenStates.Shape;
            if (shape.Length != 2 || shape[0] < 1 || shape[1] != Description.CrossAttentionDim)
            {
                throw new RequestValidationException($"{field}[{i}].hidden_states", $"shape [{string.Join(", ", shape)}] must be [tokens, {Description.CrossAttentionDim}]");
            }

            if (Description.PooledSize > 0 && (c.Pooled is null || c.Pooled.Shape.Length != 1 || c.Pooled.Shape[0] != Description.PooledSize))
            {
                throw new RequestValidationException($"{field}[{i}].pooled", $"this model needs a pooled embedding of size {Description.PooledSize}");
            }
        }

        if (timeIds.Length != Description.TimeIdsCount)
        {
            throw new RequestValidationException("open.time_ids", $"{timeIds.Length} values given; this model takes {Description.TimeIdsCount}");
        }
    }

    /// <inheritdoc />
    public void ValidateLatent(HostTensor latent, string field)
    {
        ArgumentNullException.ThrowIfNull(latent);
        var s = latent.Shape;
        if (s.Length != 4 || s[0] < 1 || s[1] != Description.LatentChannels || s[2] < 1 || s[3] < 1 || s[2] > 1024 || s[3] > 1024 || s[0] > 64)
        {
            throw new RequestValidationException(field, $"shape [{string.Join(", ", s)}] must be [batch ≤ 64, {Description.LatentChannels}, height ≤ 1024, width ≤ 1024]");
        }

        if (latent.Data.Any(v => !float.IsFinite(v)))
        {
            throw new RequestValidationException(field, "contains NaN or infinite values");
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<HostTensor>> PredictAsync(
        HostTensor latent, float timestep, IReadOnlyList<PromptConditioning> conditionings, float[] timeIds, CancellationToken cancellationToken)
        => _worker.RunAsync<IReadOnlyList<HostTensor>>(() => Forward(latent, timestep, conditionings, timeIds), cancellationToken);

    /// <inheritdoc />
    public void Dispose()
    {
        _worker.Dispose();
        _unet.Dispose();
    }

    private List<HostTensor> Forward(HostTensor latent, float timestep, IReadOnlyList<PromptConditioning> conditionings, float[] timeIds)
    {
        long batch = latent.Shape[0];
        int k = conditionings.Count;
        var sample = TorchTensorCodec.FromHost(latent);
        var samples = k == 1 ? sample : torch.cat(Enumerable.Repeat(sample, k).ToArray(), 0);
        var hidden = torch.cat(conditionings.Select(c => TorchTensorCodec.FromHost(c.HiddenStates).unsqueeze(0).expand(batch, -1, -1)).ToArray(), 0);
        Tensor? textEmbeds = null, ids = null;
        if (Description.PooledSize > 0)
        {
            textEmbeds = torch.cat(conditionings.Select(c => TorchTensorCodec.FromHost(c.Pooled!).unsqueeze(0).expand(batch, -1)).ToArray(), 0);
            ids = torch.tensor(timeIds).unsqueeze(0).expand(batch * k, -1);
        }

        var t = torch.tensor(timestep);
        var output = _unet.forward(samples, t, hidden, textEmbeds, ids);
        return output.chunk(k, 0).Select(TorchTensorCodec.ToHost).ToList();
    }
}
