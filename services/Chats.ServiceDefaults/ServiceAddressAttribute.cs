using System.ComponentModel.DataAnnotations;

namespace Chats.ServiceDefaults;

/// <summary>
/// Validates an options property holding the address of another service: an absolute <c>http</c> / <c>https</c>
/// URI (h2c or TLS), or <c>dns:///host:port</c> (every address the name resolves to). Configuration binds any text to
/// a <see cref="Uri"/>, a typo included (as a relative URI), so without this a bad address failed the first request
/// instead of start-up.
/// </summary>
/// <param name="section">The configuration section of the options, to name the key.</param>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ServiceAddressAttribute(string section) : ValidationAttribute
{
    /// <summary>The configuration section named in the error.</summary>
    public string Section { get; } = section;

    /// <inheritdoc />
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        ArgumentNullException.ThrowIfNull(validationContext);
        if (value is null)
        {
            return ValidationResult.Success;
        }

        var addresses = value as IEnumerable<Uri> ?? (value is Uri single ? [single] : []);
        foreach (var address in addresses)
        {
            if (!IsServiceAddress(address))
            {
                return new ValidationResult(
                    $"{Section}:{validationContext.MemberName} = '{address.OriginalString}': not an absolute http(s) URI or dns:///host:port",
                    [validationContext.MemberName ?? string.Empty]);
            }
        }

        return ValidationResult.Success;
    }

    private static bool IsServiceAddress(Uri address) =>
        address.IsAbsoluteUri && (address.Scheme is "http" or "https"
            ? !string.IsNullOrEmpty(address.Host)
            : address.Scheme == "dns" && address.AbsolutePath.Trim('/').Length > 0);
}
