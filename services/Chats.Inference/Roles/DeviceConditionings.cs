using Chats.Core.Sampling;
using Chats.Core.Tensors;
using static TorchSharp.torch;

namespace Chats.Inference.Roles;

/// <summary>
/// A session's conditionings as tensors already placed where the model runs (device and dtype), uploaded once at
/// session open instead of on every step: per conditioning, its named tensors. Owned by the session: disposed when
/// it closes.
/// </summary>
public sealed class DeviceConditionings : IDisposable
{
    private readonly IReadOnlyList<IReadOnlyDictionary<string, Tensor>> _tensors;

    private DeviceConditionings(IReadOnlyList<IReadOnlyDictionary<string, Tensor>> tensors) => _tensors = tensors;

    /// <summary>How many conditionings the session holds.</summary>
    public int Count => _tensors.Count;

    /// <summary>Tokens of the conditionings' <see cref="ConditioningNames.PromptEmbeds"/> (equal for every conditioning of a session).</summary>
    public long Tokens => Get(0, ConditioningNames.PromptEmbeds).shape[0];

    /// <summary>
    /// Places every tensor of <paramref name="conditionings"/> with <paramref name="place"/> (name, host tensor → a tensor
    /// on the model's device); tensors stay alive beyond the calling thread's dispose scopes.
    /// </summary>
    public static DeviceConditionings Upload(IReadOnlyList<PromptConditioning> conditionings, Func<string, HostTensor, Tensor> place)
    {
        ArgumentNullException.ThrowIfNull(conditionings);
        ArgumentNullException.ThrowIfNull(place);
        var uploaded = new List<IReadOnlyDictionary<string, Tensor>>(conditionings.Count);
        try
        {
            foreach (var c in conditionings)
            {
                var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
                uploaded.Add(tensors);
                foreach (var (name, host) in c.Tensors)
                {
                    tensors[name] = place(name, host).DetachFromDisposeScope();
                }
            }
        }
        catch
        {
            new DeviceConditionings(uploaded).Dispose();
            throw;
        }

        return new DeviceConditionings(uploaded);
    }

    /// <summary>Conditioning <paramref name="index"/>'s tensor <paramref name="name"/>.</summary>
    internal Tensor Get(int index, string name) => _tensors[index][name];

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var tensors in _tensors)
        {
            foreach (var t in tensors.Values)
            {
                t.Dispose();
            }
        }
    }
}
