namespace Chats.Core.Tensors;

/// <summary>
/// A dense row-major tensor as it crosses a service boundary: dtype, shape and little-endian bytes.
/// Services map it to and from the protobuf <c>Tensor</c> message without copying the bytes.
/// </summary>
/// <param name="DType">Element type of <paramref name="Data"/>.</param>
/// <param name="Shape">Dimensions, outermost first.</param>
/// <param name="Data">product(Shape) · sizeof(DType) bytes.</param>
public sealed record WireTensor(WireDType DType, long[] Shape, ReadOnlyMemory<byte> Data)
{
    /// <summary>Number of elements (product of the shape; 1 for a scalar).</summary>
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>Size in bytes of one element of <paramref name="dtype"/>.</summary>
    public static int ElementSize(WireDType dtype) => dtype == WireDType.Float32 ? 4 : 2;

    /// <summary>Checks that the shape is non-negative and the byte count matches it.</summary>
    /// <exception cref="InvalidTensorException">The tensor is malformed; the message names <paramref name="field"/>.</exception>
    public void Validate(string field)
    {
        if (!Enum.IsDefined(DType))
        {
            throw new InvalidTensorException(field, $"unknown dtype {(int)DType}");
        }

        if (Shape.Any(d => d < 0))
        {
            throw new InvalidTensorException(field, $"negative dimension in shape [{string.Join(", ", Shape)}]");
        }

        long expected;
        try
        {
            expected = checked(Shape.Aggregate(1L, (a, b) => checked(a * b)) * ElementSize(DType));
        }
        catch (OverflowException)
        {
            throw new InvalidTensorException(field, $"shape [{string.Join(", ", Shape)}] is too large");
        }

        if (expected != Data.Length)
        {
            throw new InvalidTensorException(field, $"shape [{string.Join(", ", Shape)}] of {DType} needs {expected} bytes but {Data.Length} were sent");
        }
    }
}
