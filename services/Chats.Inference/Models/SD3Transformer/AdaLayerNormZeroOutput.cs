using static TorchSharp.torch;

namespace Chats.Inference.Models.SD3Transformer;

/// <summary>
/// What diffusers' <c>AdaLayerNormZero</c> returns: the modulated input of the attention and the per-sample
/// (batch, dim) gate of the attention and shift, scale and gate of the feed-forward.
/// </summary>
internal readonly record struct AdaLayerNormZeroOutput(Tensor Normed, Tensor GateMsa, Tensor ShiftMlp, Tensor ScaleMlp, Tensor GateMlp);
