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
    /// <summary>The class name model_index.json gives the components this family serves.</summary>
    public const string ModelClass = "UNet2DConditionModel";

    private readonly UNet2DConditionModel _unet;

    private UNetDenoiserModel(UNet2DConditionModel unet, DenoiserDescription description, TorchPlacement placement)
    {
        _unet = unet;
        Description = description;
        Placement = placement;
    }

    /// <inheritdoc />
    public DenoiserDescription Description { get; }

    /// <summary>The device and dtype the UNet computes in.</summary>
    public TorchPlacement Placement { get; }

    /// <summary>The loaded network (tests check where its parameters are).</summary>
    internal UNet2DConditionModel Network => _unet;

    /// <summary>
    /// Loads <paramref name="component"/> (unet, unet_win or unet_lose) of the pipeline at <paramref name="modelPath"/>, and
    /// nothing else: read on the CPU, then converted and moved to <paramref name="placement"/> (default cpu, float32).
    /// </summary>
    public static UNetDenoiserModel Load(string modelPath, string component, string? modelId = null, TorchPlacement? placement = null)
    {
        placement ??= TorchPlacement.Default;
        var folder = DiffusersPipelineFolder.Open(modelPath);
        var unet = UNet2DConditionModel.Load(folder.ComponentPath(component));
        try
        {
            placement.Place(unet);
        }
        catch
        {
            unet.Dispose();
            throw;
        }

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
            modelId ?? folder.Name, component, ModelClass, config.InChannels, config.SampleSize ?? 64, PatchSize: 1, MaxLatentSide: 0,
            ConditioningValidation.Specs(config.CrossAttentionDim[0], pooled, timeIds), scheduler.PredictionType);
        return new UNetDenoiserModel(unet, description, placement);
    }

    /// <inheritdoc />
    public void ValidateLatent(WireTensor latent, string field)
    {
        ArgumentNullException.ThrowIfNull(latent);
        var s = latent.Shape;
        if (s.Length != 4 || s[0] < 1 || s[1] != Description.LatentChannels || s[2] < 1 || s[3] < 1 || s[2] > 1024 || s[3] > 1024 || s[0] > 64)
        {
            throw new RequestValidationException(field, $"shape [{string.Join(", ", s)}] must be [batch ≤ 64, {Description.LatentChannels}, height ≤ 1024, width ≤ 1024]");
        }

        if (!WireTensorCodec.AllFinite(latent))
        {
            throw new RequestValidationException(field, "contains NaN or infinite values");
        }
    }

    /// <inheritdoc />
    public DeviceConditionings Upload(IReadOnlyList<PromptConditioning> conditionings)
        // Time ids stay fp32 like the timestep: the UNet takes their sinusoids in fp32 (diffusers casts them to the
        // prompt dtype first, which changes nothing for fp16-exact sizes) and casts the embedding to its dtype.
        => DeviceConditionings.Upload(
            conditionings,
            (name, host) => name == ConditioningNames.TimeIds ? Placement.ToDevice(torch.tensor(host.Data)) : ToModel(host));

    /// <summary>A host tensor (latent, hidden states, pooled embedding) on the UNet's device, in its dtype.</summary>
    internal Tensor ToModel(HostTensor host) => Placement.ToModel(host);

    /// <summary>
    /// A received latent on the UNet's device, in its dtype: the wire bytes copied once into a tensor of the model's
    /// dtype (converted on the way when the wire dtype differs), then moved to the device.
    /// </summary>
    internal Tensor ToModel(WireTensor wire) => Placement.ToModel(TorchTensorCodec.FromWire(wire, Placement.DType, "step.latent"));

    /// <summary>One step of one session (a batch of one item), fp32 in and out.</summary>
    public IReadOnlyList<HostTensor> Predict(HostTensor latent, float timestep, DeviceConditionings conditionings, IReadOnlyList<int> indices)
        => [.. Predict([new DenoiserBatchItem(WireTensorCodec.Wrap(latent), timestep, conditionings, indices)])[0].Select(p => WireTensorCodec.AsHost(p))];

    /// <inheritdoc />
    public IReadOnlyList<IReadOnlyList<WireTensor>> Predict(IReadOnlyList<DenoiserBatchItem> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0)
        {
            return [];
        }

        var (input, conditioning, t) = DenoiserBatchAssembly.Inputs(batch, ToModel, [.. Description.Conditioning.Select(c => c.Name)]);
        var output = _unet.forward(
            input, t, conditioning[ConditioningNames.PromptEmbeds],
            conditioning.GetValueOrDefault(ConditioningNames.PooledPromptEmbeds), conditioning.GetValueOrDefault(ConditioningNames.TimeIds));
        return DenoiserBatchAssembly.Split(output, batch);
    }

    /// <inheritdoc />
    public (long Channels, long Height, long Width, long Tokens) BatchKey(WireTensor latent, DeviceConditionings conditionings)
    {
        ArgumentNullException.ThrowIfNull(latent);
        ArgumentNullException.ThrowIfNull(conditionings);
        return (latent.Shape[1], latent.Shape[2], latent.Shape[3], conditionings.Tokens);
    }

    /// <inheritdoc />
    public void Dispose() => _unet.Dispose();
}
