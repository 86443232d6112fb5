using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using Chats.Core.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Chats.ServiceDefaults;

/// <summary>
/// Validates an options record by its data annotations, like <c>ValidateDataAnnotations</c>, but says each problem
/// in configuration terms, one line per bad value naming the key and the value as configured:
/// <c>Denoiser:MaxBatch = '0': out of range; use 1 to 1024</c>. DataAnnotations' own text names the C# member
/// (<c>The field MaxBatch must be between 1 and 1024.</c>) and neither the section nor the value. Like
/// <c>ValidateDataAnnotations</c> it also runs <see cref="IValidatableObject.Validate"/>, whose results are expected
/// to name their keys already.
/// </summary>
/// <typeparam name="TOptions">The options record.</typeparam>
internal sealed class OptionsSectionValidator<TOptions>(string section, IConfiguration configuration) : IValidateOptions<TOptions>
    where TOptions : class
{
    private static readonly PropertyInfo[] s_properties = typeof(TOptions)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.GetIndexParameters().Length == 0 && p.GetCustomAttributes<ValidationAttribute>().Any())
        .ToArray();

    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        // Only the unnamed options are bound from the section.
        if (name is not null && name != Options.DefaultName)
        {
            return ValidateOptionsResult.Skip;
        }

        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        foreach (var property in s_properties)
        {
            object? value = property.GetValue(options);
            var context = new ValidationContext(options) { MemberName = property.Name, DisplayName = property.Name };
            foreach (var attribute in property.GetCustomAttributes<ValidationAttribute>())
            {
                if (attribute.GetValidationResult(value, context) is { } result && result != ValidationResult.Success)
                {
                    failures.Add(Describe(property, value, attribute, result));
                    break;
                }
            }
        }

        // Always, not only when the properties passed (as Validator.TryValidateObject would): every problem at once.
        if (options is IValidatableObject validatable)
        {
            failures.AddRange(validatable.Validate(new ValidationContext(options))
                .Where(r => r != ValidationResult.Success)
                .Select(r => r.ErrorMessage ?? $"{section}: {string.Join(", ", r.MemberNames)} is not valid"));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private string Describe(PropertyInfo property, object? value, ValidationAttribute attribute, ValidationResult result)
    {
        string key = $"{section}:{property.Name}";
        string? raw = configuration[key];
        return attribute switch
        {
            // These already name the key and the value ("Section:Key: 'value' is not ...").
            ConfigurationValueAttribute => result.ErrorMessage ?? key,
            RequiredAttribute when raw is null => $"{key}: required, and not set",
            RequiredAttribute => $"{key} = '{raw}': required, and empty",
            RangeAttribute range => $"{key} = '{raw ?? Format(value)}': out of range; use {range.Minimum} to {range.Maximum}",
            MinLengthAttribute min => $"{key}: needs at least {min.Length} value(s), has {Count(value)}",
            _ => $"{key} = '{raw ?? Format(value)}': {result.ErrorMessage}",
        };
    }

    private static string Format(object? value) => Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty;

    private static int Count(object? value) => value is System.Collections.IEnumerable items ? items.Cast<object>().Count() : 0;
}
