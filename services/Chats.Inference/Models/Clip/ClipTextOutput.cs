using static TorchSharp.torch;

namespace Chats.Inference.Models.Clip;

/// <summary>
/// The tensors a CLIP text encoder forward pass returns. The instance owns them: dispose it, or
/// move the tensors you keep to an outer dispose scope first.
/// </summary>
public sealed class ClipTextOutput : IDisposable
{
    internal ClipTextOutput(Tensor lastHiddenState, Tensor penultimateHiddenState, Tensor pooledOutput, Tensor? textEmbeds)
    {
        LastHiddenState = lastHiddenState;
        PenultimateHiddenState = penultimateHiddenState;
        PooledOutput = pooledOutput;
        TextEmbeds = textEmbeds;
    }

    /// <summary>[B, T, H]: the last layer's output after <c>final_layer_norm</c> (what SD 1.x feeds the UNet).</summary>
    public Tensor LastHiddenState { get; }

    /// <summary>
    /// [B, T, H]: transformers' <c>hidden_states[-2]</c>, the input of the last encoder layer, without
    /// final_layer_norm (what SDXL feeds the UNet).
    /// </summary>
    public Tensor PenultimateHiddenState { get; }

    /// <summary>[B, H]: <see cref="LastHiddenState"/> at each sequence's end-of-text position.</summary>
    public Tensor PooledOutput { get; }

    /// <summary>
    /// [B, projection_dim]: <c>text_projection</c> of <see cref="PooledOutput"/> (SDXL's pooled prompt
    /// embedding); null for <see cref="ClipTextModel"/>.
    /// </summary>
    public Tensor? TextEmbeds { get; }

    /// <summary>Disposes the tensors.</summary>
    public void Dispose()
    {
        LastHiddenState.Dispose();
        PenultimateHiddenState.Dispose();
        PooledOutput.Dispose();
        TextEmbeds?.Dispose();
    }
}
