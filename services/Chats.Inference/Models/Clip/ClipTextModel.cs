using TorchSharp;
using static TorchSharp.torch;

namespace Chats.Inference.Models.Clip;

/// <summary>
/// transformers' <c>CLIPTextModel</c> (4.36), the text encoder of SD 1.x and SDXL's first encoder.
/// State-dict keys equal those of the model.safetensors transformers writes.
/// </summary>
public sealed class ClipTextModel : nn.Module<Tensor, ClipTextOutput>
{
    private readonly ClipTextTransformer text_model;

    /// <summary>Creates a model with PyTorch's default initialisation (seed it with <c>torch.manual_seed</c>).</summary>
    public ClipTextModel(ClipTextConfig config)
        : base(nameof(ClipTextModel))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        text_model = new ClipTextTransformer(config);
        RegisterComponents();
        Common.NormalizationInit.Apply(this);
    }

    /// <summary>The configuration the model was built from.</summary>
    public ClipTextConfig Config { get; }

    /// <summary>Encodes token ids [B, T] (int64, T ≤ max_position_embeddings), without attention mask as SD pipelines call it.</summary>
    /// <returns>The output tensors; <see cref="ClipTextOutput.TextEmbeds"/> is null.</returns>
    public override ClipTextOutput forward(Tensor inputIds) => text_model.forward(inputIds);

    /// <summary>
    /// Loads <c>config.json</c> and <c>model.safetensors</c> (or its shards with an index, or its fp16 / bf16 variant) of a component folder (e.g. a pipeline's
    /// <c>text_encoder</c>) strictly; fp16/bf16 weights are converted to fp32. The model is in eval mode on the CPU.
    /// </summary>
    /// <exception cref="InvalidDataException">The config is unsupported, or a weight is missing, unexpected or of the wrong shape.</exception>
    public static ClipTextModel Load(string componentDir)
    {
        string configPath = Path.Combine(componentDir, ClipWeights.ConfigFileName);
        ClipTextConfig config = ClipTextConfig.Load(configPath);
        config.RequireArchitecture(ClipTextConfig.TextModelArchitecture, configPath);
        var model = new ClipTextModel(config);
        try
        {
            ClipWeights.LoadStrict(model, componentDir);
        }
        catch
        {
            model.Dispose();
            throw;
        }

        model.eval();
        return model;
    }

    /// <summary>Writes <c>config.json</c> and <c>model.safetensors</c> (fp32) to <paramref name="componentDir"/>.</summary>
    public void Save(string componentDir) =>
        ClipWeights.Save(this, Config with { Architectures = [ClipTextConfig.TextModelArchitecture] }, componentDir);
}
