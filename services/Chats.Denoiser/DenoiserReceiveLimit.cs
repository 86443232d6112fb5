using Chats.Inference.Engine;

namespace Chats.Denoiser;

/// <summary>The denoiser's default receive limit: its largest legitimate message, from the model and the engine's limits.</summary>
internal static class DenoiserReceiveLimit
{
    // Field tags, lengths, tensor names and session ids: far below this.
    private const int Framing = 64 * 1024;

    /// <summary>
    /// The larger of the largest SessionOpen (MaxConditionings conditionings, each every named tensor the model takes with
    /// MaxConditioningTokens fp32 tokens) and the largest step (MaxLatentBatch fp32 latents of MaxLatentSide²).
    /// </summary>
    public static int Bytes(DenoiserSessionEngine engine)
    {
        var o = engine.Options;
        var d = engine.Model.Description;
        long perConditioning = d.Conditioning.Sum(c => c.Shape.Aggregate(1L, (n, dim) => n * (dim == Inference.Roles.ConditioningSpec.AnyLength ? o.MaxConditioningTokens : dim)));
        long open = (long)o.MaxConditionings * perConditioning * sizeof(float);
        long step = (long)o.MaxLatentBatch * d.LatentChannels * o.MaxLatentSide * o.MaxLatentSide * sizeof(float);
        return (int)Math.Min(int.MaxValue, Math.Max(open, step) + Framing);
    }
}
