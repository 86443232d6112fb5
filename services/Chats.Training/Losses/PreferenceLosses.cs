using TorchSharp;
using static TorchSharp.torch;

namespace Chats.Training.Losses;

/// <summary>
/// The losses of CHATS fine-tuning (paper Eq. 13 / 14, as the official implementation computes them), Diffusion-DPO
/// (Wallace et al. 2024) and the Table 4 ablation without reference model, as pure functions of per-sample MSEs.
/// The inputs are 1-d tensors (one MSE per pair, see <see cref="PerSampleMse"/>); the result is the scalar mean over
/// the batch. −log σ(·) is computed with <c>logsigmoid</c>, which stays finite for large β.
/// </summary>
public static class PreferenceLosses
{
    /// <summary>The default β of CHATS.</summary>
    public const double DefaultBeta = 1000;

    /// <summary>Per-sample mean squared error: the mean over all dimensions but the first, in float32 (shape (B)).</summary>
    public static Tensor PerSampleMse(Tensor prediction, Tensor target)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(target);
        if (!prediction.shape.SequenceEqual(target.shape))
        {
            throw new ArgumentException($"prediction [{string.Join(", ", prediction.shape)}] and target [{string.Join(", ", target.shape)}] differ in shape");
        }

        using var scope = NewDisposeScope();
        var diff = prediction.to(float32) - target.to(float32);
        return diff.square().flatten(1).mean([1]).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// CHATS: −log σ(−β·[(mse(θ+, w) − mse(ref, w)) + (mse(θ−, l) − mse(ref, l))]), mean over the batch. θ+ learns the
    /// preferred images, θ− the dispreferred ones; each improves on the reference where it can.
    /// </summary>
    public static Tensor Chats(Tensor mseWinPolicy, Tensor mseWinRef, Tensor mseLosePolicy, Tensor mseLoseRef, double beta = DefaultBeta)
    {
        Check(mseWinPolicy, mseWinRef, mseLosePolicy, mseLoseRef);
        using var scope = NewDisposeScope();
        var inner = (mseWinPolicy - mseWinRef) + (mseLosePolicy - mseLoseRef);
        return NegativeLogSigmoidMean(inner, beta).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Diffusion-DPO: −log σ(−β·[(mse(θ, w) − mse(ref, w)) − (mse(θ, l) − mse(ref, l))]), mean over the batch.
    /// </summary>
    public static Tensor DiffusionDpo(Tensor mseWinPolicy, Tensor mseWinRef, Tensor mseLosePolicy, Tensor mseLoseRef, double beta = DefaultBeta)
    {
        Check(mseWinPolicy, mseWinRef, mseLosePolicy, mseLoseRef);
        using var scope = NewDisposeScope();
        var inner = (mseWinPolicy - mseWinRef) - (mseLosePolicy - mseLoseRef);
        return NegativeLogSigmoidMean(inner, beta).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The Table 4 ablation "two models without reference": the CHATS loss with the reference terms dropped,
    /// −log σ(−β·[mse(θ+, w) + mse(θ−, l)]), mean over the batch.
    /// </summary>
    public static Tensor ChatsWithoutReference(Tensor mseWinPolicy, Tensor mseLosePolicy, double beta = DefaultBeta)
    {
        Check(mseWinPolicy, mseLosePolicy);
        using var scope = NewDisposeScope();
        return NegativeLogSigmoidMean(mseWinPolicy + mseLosePolicy, beta).MoveToOuterDisposeScope();
    }

    private static Tensor NegativeLogSigmoidMean(Tensor inner, double beta) =>
        -nn.functional.logsigmoid(inner * -beta).mean();

    private static void Check(params Tensor[] terms)
    {
        foreach (var t in terms)
        {
            ArgumentNullException.ThrowIfNull(t);
            if (t.dim() != 1 || t.shape[0] != terms[0].shape[0])
            {
                throw new ArgumentException($"the MSE terms must be 1-d with one entry per pair, got [{string.Join(", ", t.shape)}]");
            }
        }
    }
}
