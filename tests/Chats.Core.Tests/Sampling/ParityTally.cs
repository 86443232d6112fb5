using System.Globalization;
using System.Text;
using Chats.Core.Tests.Models;

namespace Chats.Core.Tests.Sampling;

/// <summary>Largest absolute error per tensor name over every step and prompt of one case.</summary>
internal sealed class ParityTally
{
    private readonly SortedDictionary<string, (double Error, double Tolerance)> _errors = new(StringComparer.Ordinal);

    public void Add(string name, ReadOnlySpan<float> actual, ReadOnlySpan<float> expected, double tolerance)
    {
        Assert.True(actual.Length == expected.Length, $"{name}: {actual.Length} values, reference has {expected.Length}");
        double error = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            error = Math.Max(error, Math.Abs((double)actual[i] - expected[i]));
        }

        Record(name, error, tolerance);
    }

    public void Add(string name, ReadOnlySpan<byte> actual, ReadOnlySpan<byte> expected, int tolerance)
    {
        Assert.True(actual.Length == expected.Length, $"{name}: {actual.Length} values, reference has {expected.Length}");
        int error = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            error = Math.Max(error, Math.Abs(actual[i] - expected[i]));
        }

        Record(name, error, tolerance);
    }

    /// <summary>Logs every figure (CHATS_PARITY_LOG) and fails naming every tensor over its tolerance.</summary>
    public void AssertWithinTolerances(string caseName)
    {
        var line = new StringBuilder("e2e ").Append(caseName);
        foreach (var (name, (error, _)) in _errors)
        {
            line.Append(CultureInfo.InvariantCulture, $" {name}={error:E2}");
        }

        ModelCases.Log(line.ToString());
        var failures = _errors.Where(e => !(e.Value.Error <= e.Value.Tolerance))
            .Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.Key}: max abs {e.Value.Error:E3} > {e.Value.Tolerance:E0}"))
            .ToList();
        Assert.True(failures.Count == 0, $"{caseName}: {string.Join("; ", failures)}");
    }

    private void Record(string name, double error, double tolerance)
    {
        _errors[name] = _errors.TryGetValue(name, out var previous) ? (Math.Max(previous.Error, error), tolerance) : (error, tolerance);
    }
}
