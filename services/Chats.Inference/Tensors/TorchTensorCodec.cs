using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;
using Chats.Core.Tensors;

namespace Chats.Inference.Tensors;

/// <summary>Converts between TorchSharp tensors and <see cref="WireTensor"/>s (the denoiser's and decoder's edge).</summary>
public static class TorchTensorCodec
{
    /// <summary>
    /// Copies <paramref name="tensor"/> (any layout, any device) into wire bytes of <paramref name="dtype"/>, converted on
    /// the torch side and then copied once. Non-contiguous views are made contiguous first, so the bytes are always
    /// row-major. fp32 lands in an fp32 array that the wire tensor wraps, so <see cref="WireTensorCodec.AsHost"/> hands
    /// that array back without another copy.
    /// </summary>
    public static WireTensor ToWire(Tensor tensor, WireDType dtype = WireDType.Float32)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using var scope = NewDisposeScope();
        var converted = tensor.detach().to(ScalarTypeOf(dtype)).cpu().contiguous();
        long[] shape = tensor.shape.ToArray();
        if (dtype == WireDType.Float32 && BitConverter.IsLittleEndian)
        {
            var values = new float[converted.numel()];
            MemoryMarshal.Cast<byte, float>(converted.bytes).CopyTo(values);
            return WireTensorCodec.Wrap(new HostTensor(values, shape));
        }

        return new WireTensor(dtype, shape, converted.bytes.ToArray());
    }

    /// <summary>Creates an fp32 (or <paramref name="computeType"/>) tensor from a validated wire tensor.</summary>
    public static Tensor FromWire(WireTensor wire, ScalarType computeType = ScalarType.Float32, string field = "tensor")
    {
        ArgumentNullException.ThrowIfNull(wire);
        wire.Validate(field);
        using var scope = NewDisposeScope();
        var raw = torch.empty(wire.Shape, ScalarTypeOf(wire.DType));
        if (wire.Data.Length > 0)
        {
            wire.Data.Span.CopyTo(raw.bytes);
        }

        return raw.to(computeType).MoveToOuterDisposeScope();
    }

    /// <summary>A host tensor as a torch tensor (copied).</summary>
    public static Tensor FromHost(HostTensor host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return torch.tensor(host.Data, host.Shape);
    }

    /// <summary>A torch tensor as an fp32 host tensor (copied).</summary>
    public static HostTensor ToHost(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using var scope = NewDisposeScope();
        var f = tensor.detach().to(ScalarType.Float32).cpu().contiguous();
        return new HostTensor(f.data<float>().ToArray(), tensor.shape.ToArray());
    }

    private static ScalarType ScalarTypeOf(WireDType dtype) => dtype switch
    {
        WireDType.Float32 => ScalarType.Float32,
        WireDType.Float16 => ScalarType.Float16,
        WireDType.BFloat16 => ScalarType.BFloat16,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown wire dtype"),
    };
}
