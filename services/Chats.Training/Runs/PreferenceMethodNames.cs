using Chats.Training.Losses;

namespace Chats.Training.Runs;

/// <summary>The command-line names of <see cref="PreferenceMethod"/> values.</summary>
public static class PreferenceMethodNames
{
    private static readonly (string Name, PreferenceMethod Method)[] s_names =
    [
        ("chats", PreferenceMethod.Chats),
        ("dpo", PreferenceMethod.DiffusionDpo),
        ("finetune-all", PreferenceMethod.FineTuneAll),
        ("finetune-preferred", PreferenceMethod.FineTunePreferredOnly),
        ("chats-no-ref", PreferenceMethod.ChatsWithoutReference),
    ];

    /// <summary>All names, in the order shown in help.</summary>
    public static IReadOnlyList<string> All { get; } = [.. s_names.Select(n => n.Name)];

    /// <summary>The method called <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">Not one of <see cref="All"/>.</exception>
    public static PreferenceMethod Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var (n, m) in s_names)
        {
            if (string.Equals(n, name, StringComparison.OrdinalIgnoreCase))
            {
                return m;
            }
        }

        throw new ArgumentException($"unknown method '{name}' (expected one of: {string.Join(", ", All)})", nameof(name));
    }

    /// <summary>The command-line name of <paramref name="method"/>.</summary>
    public static string Name(PreferenceMethod method) => s_names.First(n => n.Method == method).Name;
}
