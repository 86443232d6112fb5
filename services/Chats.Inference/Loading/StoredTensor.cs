namespace Chats.Inference.Loading;

/// <summary>One tensor as a safetensors header describes it, before its data is read.</summary>
/// <param name="File">The safetensors file holding it (errors name it).</param>
/// <param name="DType">The safetensors dtype name, e.g. <c>F32</c>, <c>F16</c>, <c>BF16</c>.</param>
/// <param name="Shape">The tensor's shape.</param>
internal readonly record struct StoredTensor(string File, string DType, long[] Shape);
