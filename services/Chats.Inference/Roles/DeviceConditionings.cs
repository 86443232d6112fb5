using TorchSharp;
using static TorchSharp.torch;

namespace Chats.Inference.Roles;

/// <summary>
/// A session's conditionings as tensors already placed where the model runs (device and dtype), uploaded once at
/// session open instead of on every step. Owned by the session: disposed when it closes.
/// </summary>
public sealed class DeviceConditionings : IDisposable
{
    internal DeviceConditionings(Tensor[] hiddenStates, Tensor?[] pooled, Tensor? timeIds)
    {
        HiddenStates = hiddenStates;
        Pooled = pooled;
        TimeIds = timeIds;
    }

    /// <summary>How many conditionings the session holds.</summary>
    public int Count => HiddenStates.Length;

    /// <summary>Per-token embeddings [tokens, dim], one per conditioning.</summary>
    internal Tensor[] HiddenStates { get; }

    /// <summary>Pooled embeddings [dim] (SDXL), null entries otherwise.</summary>
    internal Tensor?[] Pooled { get; }

    /// <summary>SDXL time ids [6], or null.</summary>
    internal Tensor? TimeIds { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in HiddenStates)
        {
            t.Dispose();
        }

        foreach (var t in Pooled)
        {
            t?.Dispose();
        }

        TimeIds?.Dispose();
    }
}
