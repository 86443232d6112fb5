using System.ComponentModel.DataAnnotations;

namespace Chats.Inference.Tensors;

/// <summary>
/// Validates an options property holding a <see cref="TorchPlacement"/> dtype name, so that a bad value fails
/// start-up with one line naming the configuration key and the value.
/// </summary>
/// <param name="section">The configuration section of the options (e.g. <c>Denoiser</c>), to name the key.</param>
[AttributeUsage(AttributeTargets.Property)]
public sealed class TorchDTypeAttribute(string section) : ValidationAttribute
{
    /// <summary>The configuration section named in the error.</summary>
    public string Section { get; } = section;

    /// <inheritdoc />
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        ArgumentNullException.ThrowIfNull(validationContext);
        return TorchPlacement.DTypeProblem(value as string) is { } problem
            ? new ValidationResult($"{Section}:{validationContext.MemberName}: {problem}", [validationContext.MemberName ?? string.Empty])
            : ValidationResult.Success;
    }
}
