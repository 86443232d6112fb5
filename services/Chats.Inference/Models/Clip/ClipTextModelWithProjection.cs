using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Chats.Inference.Models.Clip;

/// <summary>
/// transformers' <c>CLIPTextModelWithProjection</c> (4.36), SDXL's second text encoder: the text
/// model plus a bias-free <c>text_projection</c> of the pooled output.
/// </summary>
public sealed class ClipTextModelWithProjection : nn.Module<Tensor, ClipTextOutput>
{
    private readonly ClipTextTransformer text_model;
    private readonly Linear text_projection;

    /// <summary>Creates a model with PyTorch's default initialisation (seed it with <c>torch.manual_seed</c>).</summary>
    public ClipTextModelWithProjection(ClipTextConfig config)
        : base(nameof(ClipTextModelWithProjection))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        text_model = new ClipTextTransformer(config);
        text_projection = nn.Linear(config.HiddenSize, config.ProjectionDim, hasBias: false);
        RegisterComponents();
        Common.NormalizationInit.Apply(this);
    }

    /// <summary>The configuration the model was built from.</summary>
    public ClipTextConfig Config { get; }

    /// <summary>Encodes token ids [B, T] (int64, T ≤ max_position_embeddings), without attention mask as SDXL calls it.</summary>
    /// <returns>The output tensors, <see cref="ClipTextOutput.TextEmbeds"/> included.</returns>
    public override ClipTextOutput forward(Tensor inputIds)
    {
        ClipTextOutput text = text_model.forward(inputIds);
        try
        {
            Tensor textEmbeds = text_projection.forward(text.PooledOutput);
            return new ClipTextOutput(text.LastHiddenState, text.PenultimateHiddenState, text.PooledOutput, textEmbeds);
        }
        catch
        {
            text.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Loads <c>config.json</c> and <c>model.safetensors</c> (or its shards with an index, or its fp16 / bf16 variant) of a component folder (e.g. SDXL's
    /// <c>text_encoder_2</c>) strictly; fp16/bf16 weights are converted to fp32. The model is in eval mode on the CPU.
    /// </summary>
    /// <exception cref="InvalidDataException">The config is unsupported, or a weight is missing, unexpected or of the wrong shape.</exception>
    public static ClipTextModelWithProjection Load(string componentDir)
    {
        string configPath = Path.Combine(componentDir, ClipWeights.ConfigFileName);
        ClipTextConfig config = ClipTextConfig.Load(configPath);
        config.RequireArchitecture(ClipTextConfig.TextModelWithProjectionArchitecture, configPath);
        var model = new ClipTextModelWithProjection(config);
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
        ClipWeights.Save(this, Config with { Architectures = [ClipTextConfig.TextModelWithProjectionArchitecture] }, componentDir);
}
