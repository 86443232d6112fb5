using Chats.Core.Configuration;

namespace Chats.Inference.Tensors;

/// <summary>
/// Validates an options property holding a <see cref="TorchPlacement"/> device, so that a bad value fails start-up
/// with one line naming the configuration key and the value. Whether the device exists is checked later, by
/// <see cref="TorchPlacement.Parse"/>, where libtorch is asked.
/// </summary>
/// <param name="section">The configuration section of the options (e.g. <c>Denoiser</c>), to name the key.</param>
[AttributeUsage(AttributeTargets.Property)]
public sealed class TorchDeviceAttribute(string section) : ConfigurationValueAttribute(section)
{
    /// <inheritdoc />
    protected override string? Problem(string? value) => TorchPlacement.DeviceProblem(value);
}
