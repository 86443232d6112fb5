using Chats.Inference.Loading;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Chats.Inference.Models.SD3Transformer;

/// <summary>
/// diffusers v0.29.2 <c>SD3Transformer2DModel</c> (the MMDiT of Stable Diffusion 3), with the same module names so that
/// its state-dict keys are the checkpoint's keys. It predicts the flow-matching velocity of a latent.
/// </summary>
public sealed class SD3Transformer2DModel : nn.Module
{
    /// <summary>Weights file name inside a diffusers component folder.</summary>
    public const string WeightsFileName = "diffusion_pytorch_model.safetensors";

    /// <summary>Config file name inside a diffusers component folder.</summary>
    public const string ConfigFileName = "config.json";

    private readonly PatchEmbed pos_embed;
    private readonly CombinedTimestepTextProjEmbeddings time_text_embed;
    private readonly Linear context_embedder;
    private readonly ModuleList<JointTransformerBlock> transformer_blocks;
    private readonly AdaLayerNormContinuous norm_out;
    private readonly Linear proj_out;

    /// <summary>Builds the model with freshly initialised, trainable weights (PyTorch's default initialisation; load a checkpoint with <see cref="Load"/>).</summary>
    /// <exception cref="InvalidDataException">The config's sizes are not positive or do not fit together.</exception>
    public SD3Transformer2DModel(SD3Transformer2DConfig config)
        : base(nameof(SD3Transformer2DModel))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate("SD3Transformer2DConfig");
        Config = config;
        int dim = config.InnerDim;
        pos_embed = new PatchEmbed(config.SampleSize, config.PatchSize, config.InChannels, dim, config.PosEmbedMaxSize);
        time_text_embed = new CombinedTimestepTextProjEmbeddings(dim, config.PooledProjectionDim);
        context_embedder = nn.Linear(config.JointAttentionDim, config.CaptionProjectionDim);
        transformer_blocks = nn.ModuleList([.. Enumerable.Range(0, config.NumLayers)
            .Select(i => new JointTransformerBlock(dim, config.NumAttentionHeads, contextPreOnly: i == config.NumLayers - 1))]);
        norm_out = new AdaLayerNormContinuous(dim, dim);
        proj_out = nn.Linear(dim, config.PatchSize * config.PatchSize * config.OutChannels, hasBias: true);
        RegisterComponents();
    }

    /// <summary>The configuration the model was built from.</summary>
    public SD3Transformer2DConfig Config { get; }

    /// <summary>
    /// Predicts the velocity for <paramref name="hiddenStates"/> (batch, in_channels, height, width) at
    /// <paramref name="timestep"/> (0-d, or 1-d with one entry or one per sample; fractional, on diffusers' 0–1000
    /// scale), conditioned on the prompt tokens <paramref name="encoderHiddenStates"/> (batch, tokens,
    /// joint_attention_dim) and the pooled prompt <paramref name="pooledProjections"/> (batch, pooled_projection_dim).
    /// Returns (batch, out_channels, height, width).
    /// </summary>
    /// <exception cref="ArgumentException">A shape does not fit the config: the message says which and why.</exception>
    public Tensor forward(Tensor hiddenStates, Tensor timestep, Tensor encoderHiddenStates, Tensor pooledProjections)
    {
        ArgumentNullException.ThrowIfNull(hiddenStates);
        ArgumentNullException.ThrowIfNull(timestep);
        ArgumentNullException.ThrowIfNull(encoderHiddenStates);
        ArgumentNullException.ThrowIfNull(pooledProjections);
        ValidateInputs(hiddenStates, timestep, encoderHiddenStates, pooledProjections);
        using var scope = NewDisposeScope();

        long batch = hiddenStates.shape[0];
        var timesteps = (timestep.dim() == 0 ? timestep[TensorIndex.None] : timestep).to(hiddenStates.device).expand(batch);
        var hidden = pos_embed.forward(hiddenStates);
        var temb = time_text_embed.forward(timesteps, pooledProjections);
        var context = context_embedder.forward(encoderHiddenStates);
        foreach (var block in transformer_blocks)
        {
            var (blockHidden, blockContext) = block.forward(hidden, context, temb);
            hidden = blockHidden;
            // Only the last block (context_pre_only) returns no text tokens, and nothing reads them after it.
            context = blockContext ?? context;
        }

        hidden = proj_out.forward(norm_out.forward(hidden, temb));
        return Unpatchify(hidden, hiddenStates.shape[^2], hiddenStates.shape[^1]).MoveToOuterDisposeScope();
    }

    /// <summary>(batch, patches, p·p·C) in row-major patch order back to (batch, C, height, width): diffusers' einsum nhwpqc→nchpwq.</summary>
    private Tensor Unpatchify(Tensor patches, long height, long width)
    {
        int p = Config.PatchSize;
        long h = height / p, w = width / p;
        return patches.reshape(patches.shape[0], h, w, p, p, Config.OutChannels)
            .permute(0, 5, 1, 3, 2, 4)
            .reshape(patches.shape[0], Config.OutChannels, h * p, w * p);
    }

    private void ValidateInputs(Tensor hiddenStates, Tensor timestep, Tensor encoderHiddenStates, Tensor pooledProjections)
    {
        var c = Config;
        if (hiddenStates.dim() != 4 || hiddenStates.shape[1] != c.InChannels)
        {
            throw new ArgumentException(
                $"hiddenStates must be (batch, {c.InChannels}, height, width), got [{string.Join(", ", hiddenStates.shape)}]", nameof(hiddenStates));
        }

        long batch = hiddenStates.shape[0], height = hiddenStates.shape[2], width = hiddenStates.shape[3];
        int p = c.PatchSize;
        if (height % p != 0 || width % p != 0 || height == 0 || width == 0)
        {
            throw new ArgumentException(
                $"the latent height and width must be positive multiples of the patch size {p}, got {height}×{width}", nameof(hiddenStates));
        }

        if (c.PosEmbedMaxSize is int max && (height / p > max || width / p > max))
        {
            throw new ArgumentException(
                $"the latent {height}×{width} is {height / p}×{width / p} patches, more than the position-embedding grid of {max}×{max} patches (pos_embed_max_size) allows; the largest latent is {max * p}×{max * p}",
                nameof(hiddenStates));
        }

        if (encoderHiddenStates.dim() != 3 || encoderHiddenStates.shape[0] != batch || encoderHiddenStates.shape[2] != c.JointAttentionDim)
        {
            throw new ArgumentException(
                $"encoderHiddenStates must be ({batch}, tokens, {c.JointAttentionDim}), got [{string.Join(", ", encoderHiddenStates.shape)}]", nameof(encoderHiddenStates));
        }

        if (pooledProjections.dim() != 2 || pooledProjections.shape[0] != batch || pooledProjections.shape[1] != c.PooledProjectionDim)
        {
            throw new ArgumentException(
                $"pooledProjections must be ({batch}, {c.PooledProjectionDim}), got [{string.Join(", ", pooledProjections.shape)}]", nameof(pooledProjections));
        }

        if (timestep.dim() > 1 || (timestep.dim() == 1 && timestep.shape[0] != batch && timestep.shape[0] != 1))
        {
            throw new ArgumentException(
                $"timestep must be a scalar or have 1 or {batch} entries, got [{string.Join(", ", timestep.shape)}]", nameof(timestep));
        }
    }

    /// <summary>
    /// Loads a diffusers component folder (<c>config.json</c> and <c>diffusion_pytorch_model.safetensors</c>, or its shards
    /// or fp16 / bf16 variant, see <see cref="WeightFiles"/>) strictly: a missing or unexpected key or a wrong shape fails
    /// with the file named. fp16 / bf16 weights become fp32.
    /// </summary>
    public static SD3Transformer2DModel Load(string componentDir)
    {
        var config = SD3Transformer2DConfig.Load(Path.Combine(componentDir, ConfigFileName));
        return DiffusersComponentFiles.LoadInto(new SD3Transformer2DModel(config), componentDir);
    }

    /// <summary>Writes <c>config.json</c> (the JSON text it was loaded from) and the fp32 weights to <paramref name="componentDir"/>.</summary>
    public void Save(string componentDir)
        => DiffusersComponentFiles.Save(this, Config.RawJson, componentDir);
}
