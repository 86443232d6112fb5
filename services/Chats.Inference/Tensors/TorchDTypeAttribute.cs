using Chats.Core.Configuration;

namespace Chats.Inference.Tensors;

/// <summary>
/// Validates an options property holding a <see cref="TorchPlacement"/> dtype name, so that a bad value fails
/// start-up with one line naming the configuration key and the value.
/// </summary>
/// <param name="section">The configuration section of the options (e.g. <c>Denoiser</c>), to name the key.</param>
[AttributeUsage(AttributeTargets.Property)]
public sealed class TorchDTypeAttribute(string section) : ConfigurationValueAttribute(section)
{
    /// <inheritdoc />
    protected override string? Problem(string? value) => TorchPlacement.DTypeProblem(value);
}
