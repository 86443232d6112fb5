using Chats.Core.Sampling;
using Chats.Training.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace Chats.Training.Losses;

/// <summary>
/// One training step's loss for a <see cref="PreferenceMethod"/>, as the official CHATS implementation computes it:
/// the same t and the same noise for the preferred and the dispreferred image of a pair; per-sample MSE; with
/// probability <see cref="PUncond"/> the dispreferred side of the whole batch (θ− and the reference's l term) is
/// conditioned on the null conditioning instead of c (CHATS and its no-reference ablation only). The reference is
/// evaluated under <c>no_grad</c>.
/// </summary>
/// <remarks>
/// Random draws, all from the caller's generator, in this order: one uniform u (the null-conditioning decision,
/// drawn for every method so that the streams stay aligned), the B noise levels, then the noise (shape of x_w).
/// </remarks>
public sealed class PreferenceObjective
{
    private readonly ConditioningBatch? _nullConditioning;

    /// <summary>Creates the objective.</summary>
    /// <param name="method">Which loss.</param>
    /// <param name="noising">The forward process (diffusion ε or rectified flow).</param>
    /// <param name="beta">β of the preference losses (CHATS default 1000).</param>
    /// <param name="pUncond">Probability that a batch's dispreferred side is conditioned on the null conditioning.</param>
    /// <param name="nullConditioning">
    /// The null conditioning (e.g. the empty prompt's encoding: token embeddings (1, tokens, dim) or (tokens, dim) and,
    /// for SD3 and SDXL, the pooled embedding (1, dim) or (dim), each broadcast over the batch); it must name every
    /// prompt tensor the batches carry (SDXL's time ids are not one: they are kept). Null means zeros for every prompt
    /// tensor, as the official code. Not owned: keep it alive while the objective is used.
    /// </param>
    public PreferenceObjective(PreferenceMethod method, INoisingProcess noising, double beta = PreferenceLosses.DefaultBeta, double pUncond = 0.5, ConditioningBatch? nullConditioning = null)
    {
        ArgumentNullException.ThrowIfNull(noising);
        if (pUncond is < 0 or > 1 || double.IsNaN(pUncond))
        {
            throw new ArgumentOutOfRangeException(nameof(pUncond), pUncond, "p_uncond must be in [0, 1]");
        }

        Method = method;
        Noising = noising;
        Beta = beta;
        PUncond = pUncond;
        _nullConditioning = nullConditioning;
    }

    /// <summary>The loss computed.</summary>
    public PreferenceMethod Method { get; }

    /// <summary>The forward process.</summary>
    public INoisingProcess Noising { get; }

    /// <summary>β of the preference losses.</summary>
    public double Beta { get; }

    /// <summary>Probability of the null conditioning on the dispreferred side (CHATS methods).</summary>
    public double PUncond { get; }

    /// <summary>Whether the method trains two models (θ+, θ−).</summary>
    public static bool UsesTwoModels(PreferenceMethod method) => method is PreferenceMethod.Chats or PreferenceMethod.ChatsWithoutReference;

    /// <summary>Whether the method needs the frozen reference model.</summary>
    public static bool UsesReference(PreferenceMethod method) => method is PreferenceMethod.Chats or PreferenceMethod.DiffusionDpo;

    /// <summary>
    /// Computes the loss for <paramref name="batch"/>. For one-model methods pass the same denoiser as
    /// <paramref name="policyWin"/> and <paramref name="policyLose"/>; <paramref name="reference"/> may be null where
    /// the method has no reference term.
    /// </summary>
    public PreferenceLossTerms Compute(PreferenceBatch batch, Denoiser policyWin, Denoiser policyLose, Denoiser? reference, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(policyWin);
        ArgumentNullException.ThrowIfNull(policyLose);
        ArgumentNullException.ThrowIfNull(generator);
        if (UsesReference(Method) && reference is null)
        {
            throw new ArgumentException($"{Method} needs the reference model", nameof(reference));
        }

        var xw = batch.LatentWin;
        var xl = batch.LatentLose;
        var c = batch.Conditioning;
        if (!xw.shape.SequenceEqual(xl.shape) || c.Tensors.Values.Any(tensor => tensor.dim() == 0 || tensor.shape[0] != xw.shape[0]))
        {
            throw new ArgumentException($"latent_w [{string.Join(", ", xw.shape)}], latent_l [{string.Join(", ", xl.shape)}] and conditioning ({c}) do not form a batch of pairs", nameof(batch));
        }

        double u;
        using (var draw = rand([1], dtype: float64, generator: generator))
        {
            u = draw.item<double>();
        }

        bool nullCond = UsesTwoModels(Method) && u < PUncond;
        var t = Noising.SampleTimesteps(xw.shape[0], generator);
        var noise = randn(xw.shape, dtype: xw.dtype, generator: generator);
        var win = Noising.Noise(xw, noise, t);
        var cl = nullCond ? NullConditioningLike(c) : c;

        switch (Method)
        {
            case PreferenceMethod.FineTunePreferredOnly:
            {
                var mseW = PreferenceLosses.PerSampleMse(policyWin(win.Noisy, win.ModelTimestep, c), win.Target);
                return new PreferenceLossTerms(mseW.mean(), mseW.detach(), null, null, null, false);
            }

            case PreferenceMethod.FineTuneAll:
            {
                var lose = Noising.Noise(xl, noise, t);
                var mseW = PreferenceLosses.PerSampleMse(policyWin(win.Noisy, win.ModelTimestep, c), win.Target);
                var mseL = PreferenceLosses.PerSampleMse(policyLose(lose.Noisy, lose.ModelTimestep, c), lose.Target);
                return new PreferenceLossTerms((mseW.mean() + mseL.mean()) / 2, mseW.detach(), mseL.detach(), null, null, false);
            }

            default:
            {
                var lose = Noising.Noise(xl, noise, t);
                var mseW = PreferenceLosses.PerSampleMse(policyWin(win.Noisy, win.ModelTimestep, c), win.Target);
                var mseL = PreferenceLosses.PerSampleMse(policyLose(lose.Noisy, lose.ModelTimestep, cl), lose.Target);
                if (Method == PreferenceMethod.ChatsWithoutReference)
                {
                    return new PreferenceLossTerms(PreferenceLosses.ChatsWithoutReference(mseW, mseL, Beta), mseW.detach(), mseL.detach(), null, null, nullCond);
                }

                Tensor refW, refL;
                using (no_grad())
                {
                    refW = PreferenceLosses.PerSampleMse(reference!(win.Noisy, win.ModelTimestep, c), win.Target);
                    refL = PreferenceLosses.PerSampleMse(reference!(lose.Noisy, lose.ModelTimestep, cl), lose.Target);
                }

                var loss = Method == PreferenceMethod.Chats
                    ? PreferenceLosses.Chats(mseW, refW, mseL, refL, Beta)
                    : PreferenceLosses.DiffusionDpo(mseW, refW, mseL, refL, Beta);
                return new PreferenceLossTerms(loss, mseW.detach(), mseL.detach(), refW, refL, nullCond);
            }
        }
    }

    // Every prompt tensor of c is replaced, the pooled embedding as the token embeddings: a prompt dropped for p_uncond
    // is dropped from all the network sees of it, as classifier-free guidance's unconditional branch is. SDXL's time
    // ids describe the image, not the prompt, and stay (as in diffusers' SDXL pipeline, whose unconditional branch
    // keeps add_time_ids, and the CHATS SDXL recipe, which zeroes only the text embeddings).
    private ConditioningBatch NullConditioningLike(ConditioningBatch c) => c.Select((name, tensor) =>
    {
        if (!ConditioningNames.IsPromptTensor(name))
        {
            return tensor;
        }

        if (_nullConditioning is null)
        {
            return zeros_like(tensor);
        }

        if (!_nullConditioning.Tensors.TryGetValue(name, out var n))
        {
            throw new ArgumentException($"the null conditioning has no '{name}' (it has: {_nullConditioning})");
        }

        n = n.dim() == tensor.dim() - 1 ? n.unsqueeze(0) : n;
        return n.to(tensor.dtype).to(tensor.device).expand(tensor.shape).contiguous();
    });
}
