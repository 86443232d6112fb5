namespace Chats.Core.Tensors;

/// <summary>The configuration names of the wire dtypes (<c>float32</c>, <c>float16</c>, <c>bfloat16</c>), as torch names them.</summary>
public static class WireDTypeNames
{
    private static readonly (string Name, WireDType DType)[] s_names =
    [
        ("float32", WireDType.Float32),
        ("float16", WireDType.Float16),
        ("bfloat16", WireDType.BFloat16),
    ];

    /// <summary>The accepted names, in the order errors list them.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. s_names.Select(n => n.Name)];

    /// <summary>The name of <paramref name="dtype"/>.</summary>
    public static string NameOf(WireDType dtype) => s_names.First(n => n.DType == dtype).Name;

    /// <summary>Why <paramref name="name"/> is not a wire dtype (naming it and the accepted names); null when it is.</summary>
    public static string? Problem(string? name) => TryParse(name, out _) ? null : $"'{name}' is not a wire dtype; use {string.Join(", ", Names)}";

    /// <summary>Parses <paramref name="name"/> (case-insensitive, surrounding blanks ignored).</summary>
    public static bool TryParse(string? name, out WireDType dtype)
    {
        string value = name?.Trim() ?? string.Empty;
        foreach (var (n, d) in s_names)
        {
            if (string.Equals(value, n, StringComparison.OrdinalIgnoreCase))
            {
                dtype = d;
                return true;
            }
        }

        dtype = WireDType.Float32;
        return false;
    }

    /// <summary>Parses <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">It is not a wire dtype; the message names it and the accepted names.</exception>
    public static WireDType Parse(string? name)
        => TryParse(name, out var dtype) ? dtype : throw new ArgumentException(Problem(name), nameof(name));
}
