using System.ComponentModel.DataAnnotations;
using Chats.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Chats.IntegrationTests;

/// <summary>
/// AddValidatedOptions says every problem in configuration terms, the record's own checks (IValidatableObject)
/// included, as ValidateDataAnnotations ran them.
/// </summary>
public sealed class ValidatedOptionsTests
{
    [Fact]
    public void RangeAndRecordChecks_AreAllReported_NamingKeysAndValues()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Probe:Count"] = "0", ["Probe:Name"] = "x" });
        builder.AddValidatedOptions<ProbeOptions>("Probe");
        using var app = builder.Build();

        var e = Assert.Throws<OptionsValidationException>(() => app.Services.GetRequiredService<IOptions<ProbeOptions>>().Value);

        Assert.Equal(["Probe:Count = '0': out of range; use 1 to 10", "Probe:Name = 'x': must be longer than one letter"], e.Failures);
        Assert.Equal(["Probe:Count = '0': out of range; use 1 to 10", "Probe:Name = 'x': must be longer than one letter"], ConfigurationErrors.Describe(e));
    }

    /// <summary>Options with a data annotation and a check of its own.</summary>
    public sealed record ProbeOptions : IValidatableObject
    {
        [Range(1, 10)]
        public int Count { get; init; } = 1;

        public string Name { get; init; } = "probe";

        public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
        {
            if (Name.Length < 2)
            {
                yield return new ValidationResult($"Probe:Name = '{Name}': must be longer than one letter", [nameof(Name)]);
            }
        }
    }
}
