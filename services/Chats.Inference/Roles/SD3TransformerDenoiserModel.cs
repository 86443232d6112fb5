using Chats.Core.Loading;
using Chats.Core.Sampling;
using Chats.Core.Schedulers;
using Chats.Core.Tensors;
using Chats.Inference.Models.SD3Transformer;
using Chats.Inference.Tensors;
using static TorchSharp.torch;

namespace Chats.Inference.Roles;

/// <summary>
/// One SD3 MMDiT component (<c>transformer</c>, <c>transformer_win</c>, <c>transformer_lose</c>) serving denoising steps
/// of a rectified-flow pipeline: it predicts the velocity v from the latent, the timestep σ·1000, the joint-attention
/// tokens (<see cref="ConditioningNames.PromptEmbeds"/>) and the pooled projections
/// (<see cref="ConditioningNames.PooledPromptEmbeds"/>). All conditionings of a step go through one batched forward pass.
/// </summary>
public sealed class SD3TransformerDenoiserModel : IDenoiserModel
{
    /// <summary>The class name model_index.json gives the components this family serves.</summary>
    public const string ModelClass = "SD3Transformer2DModel";

    private static readonly string[] s_names = [ConditioningNames.PromptEmbeds, ConditioningNames.PooledPromptEmbeds];
    private readonly SD3Transformer2DModel _transformer;

    private SD3TransformerDenoiserModel(SD3Transformer2DModel transformer, DenoiserDescription description, TorchPlacement placement)
    {
        _transformer = transformer;
        Description = description;
        Placement = placement;
    }

    /// <inheritdoc />
    public DenoiserDescription Description { get; }

    /// <summary>The device and dtype the transformer computes in.</summary>
    public TorchPlacement Placement { get; }

    /// <summary>The loaded network.</summary>
    internal SD3Transformer2DModel Network => _transformer;

    /// <summary>
    /// Loads <paramref name="component"/> of the pipeline at <paramref name="modelPath"/>, and nothing else: read on the
    /// CPU, strictly (a missing, unexpected or mis-shaped weight fails naming the file), then placed.
    /// </summary>
    public static SD3TransformerDenoiserModel Load(string modelPath, string component, string? modelId = null, TorchPlacement? placement = null)
    {
        placement ??= TorchPlacement.Default;
        var folder = DiffusersPipelineFolder.Open(modelPath);
        var transformer = SD3Transformer2DModel.Load(folder.ComponentPath(component));
        try
        {
            placement.Place(transformer);
        }
        catch
        {
            transformer.Dispose();
            throw;
        }

        var scheduler = SchedulerConfig.LoadForPipeline(folder.Root);
        var c = transformer.Config;
        int maxLatentSide = c.PosEmbedMaxSize is int grid ? grid * c.PatchSize : 0;
        var description = new DenoiserDescription(
            modelId ?? folder.Name, component, ModelClass, c.InChannels, c.SampleSize, c.PatchSize, maxLatentSide,
            ConditioningValidation.Specs(c.JointAttentionDim, c.PooledProjectionDim), scheduler.PredictionType);
        return new SD3TransformerDenoiserModel(transformer, description, placement);
    }

    /// <inheritdoc />
    public void ValidateLatent(WireTensor latent, string field)
    {
        ArgumentNullException.ThrowIfNull(latent);
        var s = latent.Shape;
        int p = Description.PatchSize;
        long max = Description.MaxLatentSide > 0 ? Description.MaxLatentSide : 1024;
        if (s.Length != 4 || s[0] < 1 || s[0] > 64 || s[1] != Description.LatentChannels || s[2] < p || s[3] < p || s[2] > max || s[3] > max
            || s[2] % p != 0 || s[3] % p != 0)
        {
            throw new RequestValidationException(
                field, $"shape [{string.Join(", ", s)}] must be [batch ≤ 64, {Description.LatentChannels}, height, width] with sides multiples of the patch size {p} and at most {max}");
        }

        if (!WireTensorCodec.AllFinite(latent))
        {
            throw new RequestValidationException(field, "contains NaN or infinite values");
        }
    }

    /// <inheritdoc />
    public DeviceConditionings Upload(IReadOnlyList<PromptConditioning> conditionings)
        => DeviceConditionings.Upload(conditionings, (_, host) => Placement.ToModel(host));

    /// <inheritdoc />
    public IReadOnlyList<IReadOnlyList<WireTensor>> Predict(IReadOnlyList<DenoiserBatchItem> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0)
        {
            return [];
        }

        // The timestep stays fp32 (its sinusoids are computed in fp32 whatever the model's dtype).
        var (input, conditioning, t) = DenoiserBatchAssembly.Inputs(
            batch, wire => Placement.ToModel(TorchTensorCodec.FromWire(wire, Placement.DType, "step.latent")), s_names);
        var output = _transformer.forward(input, t, conditioning[ConditioningNames.PromptEmbeds], conditioning[ConditioningNames.PooledPromptEmbeds]);
        return DenoiserBatchAssembly.Split(output, batch);
    }

    /// <inheritdoc />
    public (long Channels, long Height, long Width, long Tokens) BatchKey(WireTensor latent, DeviceConditionings conditionings)
    {
        ArgumentNullException.ThrowIfNull(latent);
        ArgumentNullException.ThrowIfNull(conditionings);
        // Joint attention runs over image and text tokens together: steps share a pass only with equal counts of both.
        return (latent.Shape[1], latent.Shape[2], latent.Shape[3], conditionings.Tokens);
    }

    /// <inheritdoc />
    public void Dispose() => _transformer.Dispose();
}
