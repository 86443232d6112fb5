using Chats.Inference.Models.Common;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Chats.Inference.Loading;

namespace Chats.Inference.Models.UNet2DCondition;

/// <summary>
/// diffusers v0.25 <c>UNet2DConditionModel</c> (SD 1.5 and SDXL configurations), with the same module names so that
/// its state-dict keys are the checkpoint's keys.
/// </summary>
public sealed class UNet2DConditionModel : nn.Module
{
    /// <summary>Weights file name inside a diffusers component folder.</summary>
    public const string WeightsFileName = "diffusion_pytorch_model.safetensors";

    /// <summary>Config file name inside a diffusers component folder.</summary>
    public const string ConfigFileName = "config.json";

    private readonly Conv2d conv_in;
    private readonly Timesteps time_proj;
    private readonly TimestepEmbedding time_embedding;
    private readonly Timesteps? add_time_proj;
    private readonly TimestepEmbedding? add_embedding;
    private readonly ModuleList<UNetDownBlock> down_blocks;
    private readonly UNetMidBlock2DCrossAttn mid_block;
    private readonly ModuleList<UNetUpBlock> up_blocks;
    private readonly GroupNorm conv_norm_out;
    private readonly Conv2d conv_out;

    /// <summary>Builds the model with freshly initialised weights (load them with <see cref="Load"/>).</summary>
    public UNet2DConditionModel(UNet2DConditionConfig config)
        : base(nameof(UNet2DConditionModel))
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        var boc = config.BlockOutChannels;
        int n = boc.Count;
        int groups = config.NormNumGroups;
        double eps = config.NormEps;
        int timeEmbedDim = boc[0] * 4;

        conv_in = nn.Conv2d(config.InChannels, boc[0], 3, padding: 1);
        time_proj = new Timesteps(boc[0], config.FlipSinToCos, config.FreqShift);
        time_embedding = new TimestepEmbedding(boc[0], timeEmbedDim);
        if (config.AdditionEmbedType == "text_time")
        {
            add_time_proj = new Timesteps(config.AdditionTimeEmbedDim!.Value, config.FlipSinToCos, config.FreqShift);
            add_embedding = new TimestepEmbedding(config.ProjectionClassEmbeddingsInputDim!.Value, timeEmbedDim);
        }

        var downs = new List<UNetDownBlock>();
        int outputChannel = boc[0];
        for (int i = 0; i < n; i++)
        {
            int inputChannel = outputChannel;
            outputChannel = boc[i];
            bool isFinal = i == n - 1;
            downs.Add(config.DownBlockTypes[i] == "CrossAttnDownBlock2D"
                ? new CrossAttnDownBlock2D(inputChannel, outputChannel, timeEmbedDim, config.LayersPerBlock[i], config.TransformerLayersPerBlock[i], groups, eps,
                    config.NumAttentionHeads[i], config.CrossAttentionDim[i], config.UseLinearProjection, !isFinal, config.DownsamplePadding)
                : new DownBlock2D(inputChannel, outputChannel, timeEmbedDim, config.LayersPerBlock[i], groups, eps, !isFinal, config.DownsamplePadding));
        }

        down_blocks = nn.ModuleList([.. downs]);
        mid_block = new UNetMidBlock2DCrossAttn(boc[n - 1], timeEmbedDim, config.TransformerLayersPerBlock[n - 1], groups, eps,
            config.MidBlockScaleFactor, config.NumAttentionHeads[n - 1], config.CrossAttentionDim[n - 1], config.UseLinearProjection);

        var ups = new List<UNetUpBlock>();
        outputChannel = boc[n - 1];
        for (int i = 0; i < n; i++)
        {
            int r = n - 1 - i; // index into the un-reversed per-block lists
            bool isFinal = i == n - 1;
            int prevOutputChannel = outputChannel;
            outputChannel = boc[r];
            int inputChannel = boc[Math.Max(r - 1, 0)];
            int numLayers = config.LayersPerBlock[r] + 1;
            ups.Add(config.UpBlockTypes[i] == "CrossAttnUpBlock2D"
                ? new CrossAttnUpBlock2D(inputChannel, prevOutputChannel, outputChannel, timeEmbedDim, numLayers, config.TransformerLayersPerBlock[r], groups, eps,
                    config.NumAttentionHeads[r], config.CrossAttentionDim[r], config.UseLinearProjection, !isFinal)
                : new UpBlock2D(inputChannel, prevOutputChannel, outputChannel, timeEmbedDim, numLayers, groups, eps, !isFinal));
        }

        up_blocks = nn.ModuleList([.. ups]);
        conv_norm_out = nn.GroupNorm(groups, boc[0], eps, affine: true);
        conv_out = nn.Conv2d(boc[0], config.OutChannels, 3, padding: 1);
        RegisterComponents();
        Common.NormalizationInit.Apply(this);
    }

    /// <summary>The configuration the model was built from.</summary>
    public UNet2DConditionConfig Config { get; }

    /// <summary>
    /// Predicts the model output for <paramref name="sample"/> (batch, in_channels, height, width) at
    /// <paramref name="timestep"/> (0-d, or 1-d with one entry per sample; integer or float), conditioned on
    /// <paramref name="encoderHiddenStates"/> (batch, tokens, cross_attention_dim). SDXL (<c>text_time</c>) also needs
    /// <paramref name="textEmbeds"/> (batch, pooled width) and <paramref name="timeIds"/> (batch, 6).
    /// </summary>
    public Tensor forward(Tensor sample, Tensor timestep, Tensor encoderHiddenStates, Tensor? textEmbeds = null, Tensor? timeIds = null)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(timestep);
        ArgumentNullException.ThrowIfNull(encoderHiddenStates);
        using var scope = NewDisposeScope();

        // Sizes that are not a multiple of the overall up factor need explicit upsample sizes (diffusers' forward_upsample_size).
        long upFactor = 1L << (up_blocks.Count - 1);
        bool forwardUpsampleSize = sample.shape[^2] % upFactor != 0 || sample.shape[^1] % upFactor != 0;

        long batch = sample.shape[0];
        var timesteps = timestep.dim() == 0 ? timestep[TensorIndex.None] : timestep;
        timesteps = timesteps.to(sample.device).expand(batch);
        var tEmb = time_proj.forward(timesteps).to(sample.dtype);
        var emb = time_embedding.forward(tEmb);

        if (add_time_proj is not null && add_embedding is not null)
        {
            if (textEmbeds is null || timeIds is null)
            {
                throw new ArgumentException("addition_embed_type 'text_time' requires textEmbeds and timeIds");
            }

            var timeEmbeds = add_time_proj.forward(timeIds.flatten()).reshape(textEmbeds.shape[0], -1);
            var addEmbeds = cat([textEmbeds, timeEmbeds], -1).to(emb.dtype);
            emb = emb + add_embedding.forward(addEmbeds);
        }

        var h = conv_in.forward(sample);
        var skips = new List<Tensor> { h };
        foreach (var block in down_blocks)
        {
            var (hidden, blockSkips) = block.forward(h, emb, encoderHiddenStates);
            h = hidden;
            skips.AddRange(blockSkips);
        }

        h = mid_block.forward(h, emb, encoderHiddenStates);

        for (int i = 0; i < up_blocks.Count; i++)
        {
            var block = up_blocks[i];
            bool isFinal = i == up_blocks.Count - 1;
            var blockSkips = skips.GetRange(skips.Count - block.ResnetCount, block.ResnetCount);
            skips.RemoveRange(skips.Count - block.ResnetCount, block.ResnetCount);
            long[]? upsampleSize = !isFinal && forwardUpsampleSize ? skips[^1].shape[2..] : null;
            h = block.forward(h, blockSkips, emb, encoderHiddenStates, upsampleSize);
        }

        h = conv_out.forward(nn.functional.silu(conv_norm_out.forward(h)));
        return h.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Loads a diffusers component folder (<c>config.json</c> and <c>diffusion_pytorch_model.safetensors</c>, or its shards
    /// or fp16 / bf16 variant, see <see cref="WeightFiles"/>) strictly: a missing or unexpected key or a wrong shape fails
    /// with the file named. fp16 / bf16 weights become fp32.
    /// </summary>
    public static UNet2DConditionModel Load(string componentDir)
    {
        var config = UNet2DConditionConfig.Load(Path.Combine(componentDir, ConfigFileName));
        return DiffusersComponentFiles.LoadInto(new UNet2DConditionModel(config), componentDir);
    }

    /// <summary>Writes <c>config.json</c> (the JSON text it was loaded from) and the fp32 weights to <paramref name="componentDir"/>.</summary>
    public void Save(string componentDir)
        => DiffusersComponentFiles.Save(this, Config.RawJson, componentDir);
}
