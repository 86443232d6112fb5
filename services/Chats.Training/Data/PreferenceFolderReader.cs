using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Chats.Training.Data;

/// <summary>
/// Reads preference pairs from the folder format.
/// </summary>
/// <remarks>
/// <para>The folder format: a folder holding a UTF-8 file <c>pairs.jsonl</c> and the image files it names.
/// Each non-blank line of <c>pairs.jsonl</c> is one JSON object, one pair:</para>
/// <code>
/// {"prompt": "a red cube on a blue sphere", "chosen": "images/000000-chosen.png", "rejected": "images/000000-rejected.png", "id": "42"}
/// </code>
/// <list type="bullet">
/// <item><description><c>prompt</c> (string, required): the text prompt.</description></item>
/// <item><description><c>chosen</c>, <c>rejected</c> (strings, required): paths of the preferred and the
/// dispreferred image, relative to the folder, with <c>/</c> as separator; they must stay inside the folder.
/// Any format Skia decodes is accepted (PNG, JPEG, WebP, ...); alpha is composited over white.</description></item>
/// <item><description><c>id</c> (string, optional): an identifier carried into <see cref="PreferencePair.Id"/>.</description></item>
/// <item><description>Any other string-valued field is carried into <see cref="PreferencePair.Metadata"/>;
/// other fields of other types are ignored.</description></item>
/// </list>
/// <para>Blank lines are skipped (but counted, so line numbers match an editor's). Errors are
/// <see cref="PreferenceDataException"/>s naming <c>pairs.jsonl</c> and the 1-based line: bad JSON, a missing
/// or non-string field, a missing image file (its path is named) or an undecodable image.
/// <see cref="PreferenceFolderWriter"/> writes this format. See also docs/preference-data.md.</para>
/// </remarks>
public sealed class PreferenceFolderReader : IPreferenceDataSource
{
    /// <summary>The name of the pairs file inside the folder.</summary>
    public const string PairsFileName = "pairs.jsonl";

    private readonly string _folder;
    private readonly int? _resolution;

    /// <summary>Reads the folder <paramref name="folder"/>.</summary>
    /// <param name="folder">The folder holding <c>pairs.jsonl</c>.</param>
    /// <param name="resolution">If set, images are centre-cropped and resized to this square size
    /// (<see cref="RgbImageDecoder.CenterCropResize"/>); if null they keep their size.</param>
    public PreferenceFolderReader(string folder, int? resolution = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (resolution is int r)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(r, nameof(resolution));
        }

        _folder = Path.GetFullPath(folder);
        _resolution = resolution;
    }

    /// <summary>The full path of <c>pairs.jsonl</c>.</summary>
    public string PairsPath => Path.Combine(_folder, PairsFileName);

    /// <inheritdoc/>
    public async IAsyncEnumerable<PreferencePair> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string pairsPath = PairsPath;
        if (!File.Exists(pairsPath))
        {
            throw new PreferenceDataException(pairsPath, null, null, $"no {PairsFileName} in the folder");
        }

        using var reader = new StreamReader(pairsPath, System.Text.Encoding.UTF8);
        int lineNumber = 0;
        while (await reader.ReadLineAsync(cancellationToken) is string line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            yield return ParseLine(pairsPath, lineNumber, line);
        }
    }

    /// <summary>Reads all pairs synchronously into a list (small folders, tests).</summary>
    public IReadOnlyList<PreferencePair> ReadAll()
    {
        var pairs = new List<PreferencePair>();
        var enumerator = ReadAsync().GetAsyncEnumerator();
        try
        {
            while (enumerator.MoveNextAsync().AsTask().GetAwaiter().GetResult())
            {
                pairs.Add(enumerator.Current);
            }
        }
        finally
        {
            enumerator.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        return pairs;
    }

    private PreferencePair ParseLine(string pairsPath, int lineNumber, string line)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            throw new PreferenceDataException(pairsPath, lineNumber, null, $"bad JSON: {e.Message}", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new PreferenceDataException(pairsPath, lineNumber, null, $"expected a JSON object, got {root.ValueKind}");
            }

            string prompt = RequiredString(root, "prompt", pairsPath, lineNumber);
            string chosenPath = RequiredString(root, "chosen", pairsPath, lineNumber);
            string rejectedPath = RequiredString(root, "rejected", pairsPath, lineNumber);
            string? id = null;
            var metadata = new Dictionary<string, string>();
            foreach (var property in root.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "prompt" or "chosen" or "rejected":
                        break;
                    case "id":
                        id = property.Value.ValueKind switch
                        {
                            JsonValueKind.String => property.Value.GetString(),
                            JsonValueKind.Number => property.Value.GetRawText(),
                            JsonValueKind.Null => null,
                            _ => throw new PreferenceDataException(pairsPath, lineNumber, "id", $"expected a string, got {property.Value.ValueKind}"),
                        };
                        break;
                    default:
                        if (property.Value.ValueKind == JsonValueKind.String)
                        {
                            metadata[property.Name] = property.Value.GetString()!;
                        }

                        break;
                }
            }

            var chosen = LoadImage(chosenPath, "chosen", pairsPath, lineNumber);
            var rejected = LoadImage(rejectedPath, "rejected", pairsPath, lineNumber);
            return new PreferencePair(prompt, chosen, rejected) { Id = id, Metadata = metadata };
        }
    }

    private static string RequiredString(JsonElement root, string name, string pairsPath, int lineNumber)
    {
        if (!root.TryGetProperty(name, out var value))
        {
            throw new PreferenceDataException(pairsPath, lineNumber, name, "missing field");
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw new PreferenceDataException(pairsPath, lineNumber, name, $"expected a string, got {value.ValueKind}");
        }

        return value.GetString()!;
    }

    private RgbImage LoadImage(string relativePath, string field, string pairsPath, int lineNumber)
    {
        if (relativePath.Length == 0 || Path.IsPathRooted(relativePath))
        {
            throw new PreferenceDataException(pairsPath, lineNumber, field, $"image path '{relativePath}' must be relative to the folder");
        }

        string fullPath = Path.GetFullPath(Path.Combine(_folder, relativePath.Replace('/', Path.DirectorySeparatorChar)));
        if (!fullPath.StartsWith(_folder + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new PreferenceDataException(pairsPath, lineNumber, field, $"image path '{relativePath}' leaves the folder");
        }

        if (!File.Exists(fullPath))
        {
            throw new PreferenceDataException(pairsPath, lineNumber, field, $"image file '{relativePath}' not found ({fullPath})");
        }

        byte[] bytes = File.ReadAllBytes(fullPath);
        try
        {
            return RgbImageDecoder.Decode(bytes, _resolution);
        }
        catch (InvalidDataException e)
        {
            throw new PreferenceDataException(pairsPath, lineNumber, field, $"image file '{relativePath}': {e.Message}", e);
        }
    }
}
