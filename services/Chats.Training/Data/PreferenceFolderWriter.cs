using System.Text.Encodings.Web;
using System.Text.Json;
using Chats.Core.Imaging;

namespace Chats.Training.Data;

/// <summary>
/// Writes preference pairs in the folder format read by <see cref="PreferenceFolderReader"/>: images as PNG
/// (<see cref="PngEncoder"/>) under <c>images/</c>, named <c>NNNNNN-chosen.png</c> / <c>NNNNNN-rejected.png</c>
/// by pair index, and one line per pair in <c>pairs.jsonl</c> (prompt, chosen, rejected, id if set, then the
/// metadata fields).
/// </summary>
/// <remarks>Pairs are flushed to <c>pairs.jsonl</c> line by line; dispose the writer to close the file.</remarks>
public sealed class PreferenceFolderWriter : IDisposable
{
    /// <summary>The sub-folder, relative to the folder, that holds the written images.</summary>
    public const string ImagesFolderName = "images";

    private static readonly JsonWriterOptions s_jsonOptions = new()
    {
        // Keeps prompts readable (non-ASCII text unescaped); control characters and quotes are still escaped.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    private readonly string _folder;
    private readonly StreamWriter _pairs;
    private int _count;

    /// <summary>
    /// Creates <paramref name="folder"/> (and <c>images/</c>) if needed and starts a new <c>pairs.jsonl</c>.
    /// </summary>
    /// <exception cref="IOException"><c>pairs.jsonl</c> already exists (the writer never overwrites a data set).</exception>
    public PreferenceFolderWriter(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        _folder = Path.GetFullPath(folder);
        Directory.CreateDirectory(Path.Combine(_folder, ImagesFolderName));
        string pairsPath = Path.Combine(_folder, PreferenceFolderReader.PairsFileName);
        var stream = new FileStream(pairsPath, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        _pairs = new StreamWriter(stream, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { NewLine = "\n" };
    }

    /// <summary>How many pairs have been written.</summary>
    public int Count => _count;

    /// <summary>Writes both images and appends the pair's line to <c>pairs.jsonl</c>.</summary>
    /// <exception cref="ArgumentException">A metadata key is one of prompt, chosen, rejected or id.</exception>
    public void Write(PreferencePair pair)
    {
        ArgumentNullException.ThrowIfNull(pair);
        foreach (string key in pair.Metadata.Keys)
        {
            if (key is "prompt" or "chosen" or "rejected" or "id")
            {
                throw new ArgumentException($"metadata key '{key}' collides with a field of the folder format", nameof(pair));
            }
        }

        string stem = _count.ToString("D6");
        string chosen = $"{ImagesFolderName}/{stem}-chosen.png";
        string rejected = $"{ImagesFolderName}/{stem}-rejected.png";
        WritePng(chosen, pair.Chosen);
        WritePng(rejected, pair.Rejected);

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, s_jsonOptions))
        {
            json.WriteStartObject();
            json.WriteString("prompt", pair.Prompt);
            json.WriteString("chosen", chosen);
            json.WriteString("rejected", rejected);
            if (pair.Id is not null)
            {
                json.WriteString("id", pair.Id);
            }

            foreach (var (key, value) in pair.Metadata)
            {
                json.WriteString(key, value);
            }

            json.WriteEndObject();
        }

        _pairs.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
        _pairs.Flush();
        _count++;
    }

    /// <inheritdoc/>
    public void Dispose() => _pairs.Dispose();

    private void WritePng(string relativePath, RgbImage image)
    {
        string path = Path.Combine(_folder, relativePath.Replace('/', Path.DirectorySeparatorChar));
        File.WriteAllBytes(path, PngEncoder.EncodeRgb(image.Rgb, image.Width, image.Height));
    }
}
