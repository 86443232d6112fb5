using static TorchSharp.torch;

namespace Chats.Training.Losses;

/// <summary>The result of one <see cref="PreferenceObjective.Compute"/>: the loss to back-propagate and its parts (detached).</summary>
/// <param name="Loss">Scalar loss (with gradient to the trained models).</param>
/// <param name="MseWinPolicy">mse(θ+ or θ, w) per pair.</param>
/// <param name="MseLosePolicy">mse(θ− or θ, l) per pair; null for <see cref="PreferenceMethod.FineTunePreferredOnly"/>.</param>
/// <param name="MseWinRef">mse(ref, w) per pair; null where the method has no reference term.</param>
/// <param name="MseLoseRef">mse(ref, l) per pair; null where the method has no reference term.</param>
/// <param name="UsedNullConditioning">Whether the dispreferred side was conditioned on the null conditioning this batch.</param>
public sealed record PreferenceLossTerms(
    Tensor Loss, Tensor MseWinPolicy, Tensor? MseLosePolicy, Tensor? MseWinRef, Tensor? MseLoseRef, bool UsedNullConditioning);
