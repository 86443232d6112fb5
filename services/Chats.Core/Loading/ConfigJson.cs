using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Chats.Core.Loading;

/// <summary>
/// Reads diffusers / transformers <c>config.json</c> files. Python's json module writes non-finite floats as bare
/// <c>NaN</c>, <c>Infinity</c> and <c>-Infinity</c>, which are not JSON; <see cref="Parse"/> turns those literals into
/// strings first, and <see cref="GetDouble"/> reads them back. Every error names the file and the field.
/// </summary>
internal sealed class ConfigJson : IDisposable
{
    private readonly JsonDocument _document;

    private ConfigJson(JsonDocument document, string source, string rawText)
    {
        _document = document;
        Source = source;
        RawText = rawText;
    }

    /// <summary>Where the JSON came from (a path), used in error messages.</summary>
    public string Source { get; }

    /// <summary>The text as read, unchanged (written back by the models' Save).</summary>
    public string RawText { get; }

    /// <summary>Reads and parses a config file.</summary>
    public static ConfigJson Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: config file not found", path);
        }

        return Parse(File.ReadAllText(path, Encoding.UTF8), path);
    }

    /// <summary>Parses config JSON text; <paramref name="source"/> names it in errors.</summary>
    public static ConfigJson Parse(string json, string source)
    {
        try
        {
            var document = JsonDocument.Parse(QuoteNonFiniteLiterals(json), new JsonDocumentOptions
            {
                AllowTrailingCommas = true,
                CommentHandling = JsonCommentHandling.Skip,
            });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                document.Dispose();
                throw new InvalidDataException($"{source}: the config is not a JSON object");
            }

            return new ConfigJson(document, source, json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: invalid JSON: {e.Message}", e);
        }
    }

    /// <summary>Replaces bare NaN / Infinity / -Infinity tokens outside strings by quoted strings.</summary>
    internal static string QuoteNonFiniteLiterals(string json)
    {
        var sb = new StringBuilder(json.Length + 16);
        bool inString = false;
        for (int i = 0; i < json.Length; i++)
        {
            char c = json[i];
            if (inString)
            {
                sb.Append(c);
                if (c == '\\' && i + 1 < json.Length)
                {
                    sb.Append(json[++i]);
                }
                else if (c == '"')
                {
                    inString = false;
                }

                continue;
            }

            if (c == '"')
            {
                inString = true;
                sb.Append(c);
                continue;
            }

            string? literal = null;
            foreach (string candidate in (ReadOnlySpan<string>)["-Infinity", "Infinity", "NaN"])
            {
                if (string.CompareOrdinal(json, i, candidate, 0, candidate.Length) == 0)
                {
                    literal = candidate;
                    break;
                }
            }

            if (literal is null)
            {
                sb.Append(c);
            }
            else
            {
                sb.Append('"').Append(literal).Append('"');
                i += literal.Length - 1;
            }
        }

        return sb.ToString();
    }

    private JsonElement Root => _document.RootElement;

    /// <summary>Whether the field is present and not null.</summary>
    public bool HasValue(string name) => Root.TryGetProperty(name, out var e) && e.ValueKind != JsonValueKind.Null;

    private JsonElement Require(string name)
    {
        if (!Root.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null)
        {
            throw new InvalidDataException($"{Source}: required field '{name}' is missing or null");
        }

        return e;
    }

    private InvalidDataException WrongType(string name, JsonElement e, string expected) =>
        new($"{Source}: field '{name}' must be {expected}, got {e.GetRawText()}");

    /// <summary>An integer field (required unless <paramref name="defaultValue"/> is given).</summary>
    public int GetInt(string name, int? defaultValue = null)
    {
        if (!HasValue(name) && defaultValue is int d)
        {
            return d;
        }

        var e = Require(name);
        if (e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int v))
        {
            return v;
        }

        // Python configs sometimes store whole numbers as floats (1.0).
        if (e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out double f) && f == Math.Floor(f) && Math.Abs(f) < int.MaxValue)
        {
            return (int)f;
        }

        throw WrongType(name, e, "an integer");
    }

    /// <summary>An optional integer field (absent or null gives null).</summary>
    public int? GetNullableInt(string name) => HasValue(name) ? GetInt(name) : null;

    /// <summary>A floating-point field; accepts the NaN / Infinity literals.</summary>
    public double GetDouble(string name, double? defaultValue = null)
    {
        if (!HasValue(name) && defaultValue is double d)
        {
            return d;
        }

        var e = Require(name);
        if (e.ValueKind == JsonValueKind.Number)
        {
            return e.GetDouble();
        }

        if (e.ValueKind == JsonValueKind.String)
        {
            switch (e.GetString())
            {
                case "NaN": return double.NaN;
                case "Infinity": return double.PositiveInfinity;
                case "-Infinity": return double.NegativeInfinity;
            }
        }

        throw WrongType(name, e, "a number");
    }

    /// <summary>An optional floating-point field.</summary>
    public double? GetNullableDouble(string name) => HasValue(name) ? GetDouble(name) : null;

    /// <summary>A boolean field.</summary>
    public bool GetBool(string name, bool? defaultValue = null)
    {
        if (!HasValue(name) && defaultValue is bool d)
        {
            return d;
        }

        var e = Require(name);
        return e.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw WrongType(name, e, "true or false"),
        };
    }

    /// <summary>A string field.</summary>
    public string GetString(string name, string? defaultValue = null)
    {
        if (!HasValue(name) && defaultValue is not null)
        {
            return defaultValue;
        }

        var e = Require(name);
        return e.ValueKind == JsonValueKind.String ? e.GetString()! : throw WrongType(name, e, "a string");
    }

    /// <summary>An optional string field.</summary>
    public string? GetNullableString(string name) => HasValue(name) ? GetString(name) : null;

    /// <summary>A list of strings.</summary>
    public IReadOnlyList<string> GetStringList(string name)
    {
        var e = Require(name);
        if (e.ValueKind != JsonValueKind.Array)
        {
            throw WrongType(name, e, "a list of strings");
        }

        return [.. e.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString()! : throw WrongType(name, e, "a list of strings"))];
    }

    /// <summary>A list of integers.</summary>
    public IReadOnlyList<int> GetIntList(string name)
    {
        var e = Require(name);
        if (e.ValueKind != JsonValueKind.Array)
        {
            throw WrongType(name, e, "a list of integers");
        }

        return [.. e.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.Number && x.TryGetInt32(out int v) ? v : throw WrongType(name, e, "a list of integers"))];
    }

    /// <summary>
    /// An integer or a list of integers (diffusers' <c>int | tuple</c> fields), expanded to <paramref name="count"/>
    /// entries; a list must have exactly <paramref name="count"/> entries.
    /// </summary>
    public IReadOnlyList<int> GetIntOrList(string name, int count, int? defaultValue = null)
    {
        if (!HasValue(name) && defaultValue is int d)
        {
            return [.. Enumerable.Repeat(d, count)];
        }

        var e = Require(name);
        if (e.ValueKind == JsonValueKind.Number)
        {
            return [.. Enumerable.Repeat(GetInt(name), count)];
        }

        var list = GetIntList(name);
        if (list.Count != count)
        {
            throw new InvalidDataException($"{Source}: field '{name}' has {list.Count} entries, expected {count} (one per block)");
        }

        return list;
    }

    /// <summary>The field's raw JSON text, or "null" when absent.</summary>
    public string RawValue(string name) => Root.TryGetProperty(name, out var e) ? e.GetRawText() : "null";

    /// <summary>
    /// Fails with <see cref="NotSupportedException"/> when the field is present and its raw JSON value is not one of
    /// <paramref name="allowedRawValues"/> (compared as JSON text, e.g. <c>"null"</c>, <c>"false"</c>, <c>"\"silu\""</c>).
    /// </summary>
    public void RequireOneOf(string name, params string[] allowedRawValues)
    {
        if (!Root.TryGetProperty(name, out var e))
        {
            return;
        }

        string raw = e.GetRawText();
        if (!allowedRawValues.Contains(raw))
        {
            throw new NotSupportedException($"{Source}: {name} {raw} is not supported (supported: {string.Join(", ", allowedRawValues)})");
        }
    }

    /// <summary>Fails when a numeric field is present, not null and differs from <paramref name="expected"/>.</summary>
    public void RequireNumber(string name, double expected)
    {
        if (HasValue(name) && GetDouble(name) != expected)
        {
            throw new NotSupportedException($"{Source}: {name} {RawValue(name)} is not supported (only {expected.ToString(CultureInfo.InvariantCulture)})");
        }
    }

    public void Dispose() => _document.Dispose();
}
