namespace Chats.Core.Tensors;

/// <summary>Element types a tensor may have on the wire.</summary>
public enum WireDType
{
    /// <summary>IEEE 754 binary32.</summary>
    Float32,

    /// <summary>IEEE 754 binary16.</summary>
    Float16,

    /// <summary>bfloat16 (the top half of a binary32).</summary>
    BFloat16,
}
