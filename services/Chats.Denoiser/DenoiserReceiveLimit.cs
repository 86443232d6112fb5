using Chats.Inference.Engine;

namespace Chats.Denoiser;

/// <summary>The denoiser's default receive limit: its largest legitimate message, from the model and the engine's limits.</summary>
internal static class DenoiserReceiveLimit
{
    // Field tags, lengths, session ids and time ids: far below this.
    private const int Framing = 64 * 1024;

    /// <summary>
    /// The larger of the largest SessionOpen (MaxConditionings conditionings of MaxConditioningTokens fp32 tokens plus a
    /// pooled embedding) and the largest step (MaxLatentBatch fp32 latents of MaxLatentSide²).
    /// </summary>
    public static int Bytes(DenoiserSessionEngine engine)
    {
        var o = engine.Options;
        var d = engine.Model.Description;
        long open = (long)o.MaxConditionings * (((long)o.MaxConditioningTokens * d.CrossAttentionDim) + d.PooledSize) * sizeof(float);
        long step = (long)o.MaxLatentBatch * d.LatentChannels * o.MaxLatentSide * o.MaxLatentSide * sizeof(float);
        return (int)Math.Min(int.MaxValue, Math.Max(open, step) + Framing);
    }
}
