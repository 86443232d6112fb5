using Chats.Core.Configuration;
using Chats.Core.Tensors;

namespace Chats.Sampler;

/// <summary>
/// Validates an options property holding a wire dtype name, so that a bad value fails start-up with one line naming
/// the configuration key and the value (as <c>Denoiser:DType</c> does for the compute dtype).
/// </summary>
/// <param name="section">The configuration section of the options, to name the key.</param>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class WireDTypeAttribute(string section) : ConfigurationValueAttribute(section)
{
    /// <inheritdoc />
    protected override string? Problem(string? value) => WireDTypeNames.Problem(value);
}
