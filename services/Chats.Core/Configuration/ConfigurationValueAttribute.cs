using System.ComponentModel.DataAnnotations;

namespace Chats.Core.Configuration;

/// <summary>
/// Validates an options property holding a named value (a device, a dtype), so that a bad value fails start-up with
/// one line naming the configuration key and the value: <c>Section:Property: problem</c>.
/// </summary>
/// <param name="section">The configuration section of the options (e.g. <c>Denoiser</c>), to name the key.</param>
[AttributeUsage(AttributeTargets.Property)]
public abstract class ConfigurationValueAttribute(string section) : ValidationAttribute
{
    /// <summary>The configuration section named in the error.</summary>
    public string Section { get; } = section;

    /// <summary>Why <paramref name="value"/> is not accepted, naming it and the accepted values; null when it is.</summary>
    protected abstract string? Problem(string? value);

    /// <inheritdoc />
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        ArgumentNullException.ThrowIfNull(validationContext);
        return Problem(value as string) is { } problem
            ? new ValidationResult($"{Section}:{validationContext.MemberName}: {problem}", [validationContext.MemberName ?? string.Empty])
            : ValidationResult.Success;
    }
}
