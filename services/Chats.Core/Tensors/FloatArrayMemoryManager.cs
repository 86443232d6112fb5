using System.Buffers;
using System.Runtime.InteropServices;

namespace Chats.Core.Tensors;

/// <summary>
/// The bytes of an fp32 array as <see cref="Memory{T}"/> of bytes, without copying them: how an fp32 wire tensor
/// aliases a <see cref="HostTensor"/>'s buffer, and how the codec recognises such a tensor to hand the array back.
/// </summary>
internal sealed class FloatArrayMemoryManager(float[] array) : MemoryManager<byte>
{
    public float[] Array { get; } = array;

    public override Span<byte> GetSpan() => MemoryMarshal.AsBytes(Array.AsSpan());

    public override unsafe MemoryHandle Pin(int elementIndex = 0)
    {
        // Pinned for as long as the caller holds the handle (e.g. a native write of the message).
        var handle = GCHandle.Alloc(Array, GCHandleType.Pinned);
        byte* start = (byte*)handle.AddrOfPinnedObject();
        return new MemoryHandle(start + elementIndex, handle, this);
    }

    public override void Unpin()
    {
        // The GCHandle travels in the MemoryHandle, which frees it on dispose; nothing is pinned per manager.
    }

    protected override void Dispose(bool disposing)
    {
        // Managed memory: nothing to release.
    }
}
