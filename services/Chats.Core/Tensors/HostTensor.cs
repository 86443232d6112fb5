namespace Chats.Core.Tensors;

/// <summary>
/// An fp32 tensor in managed memory, used where the math is elementwise and torch is not needed
/// (the sampler's guidance and scheduler steps).
/// </summary>
public sealed class HostTensor
{
    /// <summary>Wraps <paramref name="data"/> (not copied) with <paramref name="shape"/>.</summary>
    public HostTensor(float[] data, long[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        long count = shape.Aggregate(1L, (a, b) => a * b);
        if (count != data.Length)
        {
            throw new ArgumentException($"shape [{string.Join(", ", shape)}] has {count} elements but the buffer has {data.Length}", nameof(shape));
        }

        Data = data;
        Shape = shape;
    }

    /// <summary>Row-major elements.</summary>
    public float[] Data { get; }

    /// <summary>Dimensions, outermost first.</summary>
    public long[] Shape { get; }

    /// <summary>A zero tensor of <paramref name="shape"/>.</summary>
    public static HostTensor Zeros(params long[] shape) => new(new float[shape.Aggregate(1L, (a, b) => a * b)], shape);

    /// <summary>A deep copy.</summary>
    public HostTensor Clone() => new((float[])Data.Clone(), (long[])Shape.Clone());

    /// <summary>True when both shapes are equal.</summary>
    public bool SameShape(HostTensor other) => Shape.AsSpan().SequenceEqual(other.Shape);
}
