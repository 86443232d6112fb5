using System.Globalization;

namespace Chats.Cli.Commands;

/// <summary>Parses the structured values verbs take as text: comma lists, <c>NAME=VALUE</c> pairs, numbers.</summary>
internal static class CommandLineValues
{
    /// <summary>The items of a comma-separated list, trimmed, empty items dropped.</summary>
    public static string[] Split(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>A comma-separated list of numbers (invariant culture); a bad item is a <see cref="FormatException"/>.</summary>
    public static List<T> ParseList<T>(string list)
        where T : IParsable<T> => [.. Split(list).Select(s => T.Parse(s, CultureInfo.InvariantCulture))];

    /// <summary>Splits NAME=VALUE arguments at the first '=' (so a value may be a path containing '=').</summary>
    public static List<(string Name, string Value)> ParseNamed(IEnumerable<string> arguments, string option)
    {
        var parsed = new List<(string Name, string Value)>();
        foreach (string argument in arguments)
        {
            int split = argument.IndexOf('=', StringComparison.Ordinal);
            if (split <= 0 || split == argument.Length - 1)
            {
                throw new ArgumentException($"{option} '{argument}': expected NAME=VALUE");
            }

            parsed.Add((argument[..split], argument[(split + 1)..]));
        }

        return parsed;
    }

    /// <summary>A number given as part of <paramref name="option"/>'s value.</summary>
    public static double ParseNumber(string text, string option) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            ? value
            : throw new ArgumentException($"{option}: '{text}' is not a number");
}
