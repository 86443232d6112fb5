using System.Runtime.CompilerServices;
using Parquet;
using Parquet.Schema;

namespace Chats.Training.Data;

/// <summary>
/// Reads preference pairs from a parquet file laid out like the published
/// <c>data-is-better-together/open-image-preferences-v1-binarized</c> data set (one file per shard).
/// </summary>
/// <remarks>
/// <para>Columns (top level; others are allowed):</para>
/// <list type="bullet">
/// <item><description><c>prompt</c>: string (BYTE_ARRAY, UTF-8).</description></item>
/// <item><description><c>chosen</c>, <c>rejected</c>: the encoded image (PNG, JPEG, WebP, ...), either as the
/// struct <c>{bytes: binary, path: string}</c> that the Hugging Face <c>datasets</c> Image feature writes (the
/// published layout; <c>path</c> is only used in error messages, the bytes must be present) or as a plain binary
/// column.</description></item>
/// <item><description><c>id</c> (optional string): carried into <see cref="PreferencePair.Id"/>; without it the
/// id is the 0-based row index in the file.</description></item>
/// <item><description>Any other top-level, non-repeated string column goes into
/// <see cref="PreferencePair.Metadata"/> (null values are left out).</description></item>
/// </list>
/// <para>The schema is checked when enumeration starts: a missing column or one of the wrong type is a
/// <see cref="PreferenceDataException"/> naming the file and the column. Row groups are read one at a time
/// (a row group's columns are held in memory while its rows are decoded), so memory is bounded by the largest
/// row group, not by the file.</para>
/// </remarks>
public sealed class PreferenceParquetReader : IPreferenceDataSource
{
    private const string PromptColumn = "prompt";
    private const string ChosenColumn = "chosen";
    private const string RejectedColumn = "rejected";
    private const string IdColumn = "id";

    private readonly string _path;
    private readonly int? _resolution;

    /// <summary>Reads the parquet file at <paramref name="path"/>.</summary>
    /// <param name="path">The parquet file.</param>
    /// <param name="resolution">If set, images are centre-cropped and resized to this square size
    /// (<see cref="RgbImageDecoder.CenterCropResize"/>); if null they keep their size.</param>
    public PreferenceParquetReader(string path, int? resolution = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (resolution is int r)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(r, nameof(resolution));
        }

        _path = Path.GetFullPath(path);
        _resolution = resolution;
    }

    /// <summary>The full path of the file.</summary>
    public string FilePath => _path;

    /// <inheritdoc/>
    public async IAsyncEnumerable<PreferencePair> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (!File.Exists(_path))
        {
            throw new PreferenceDataException(_path, null, null, "file not found");
        }

        ParquetReader reader;
        try
        {
            reader = await ParquetReader.CreateAsync(_path, null, cancellationToken);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException or ArgumentException)
        {
            throw new PreferenceDataException(_path, null, null, $"not a readable parquet file: {e.Message}", e);
        }

        await using (reader)
        {
            var layout = ResolveLayout(reader.Schema);
            long rowBase = 0;
            for (int g = 0; g < reader.RowGroupCount; g++)
            {
                var group = reader.OpenRowGroupReader(g);
                int rows = checked((int)group.RowCount);
                var prompts = await ReadStrings(group, layout.Prompt, rows, cancellationToken);
                var chosen = await ReadBytes(group, layout.Chosen.Bytes, rows, cancellationToken);
                var chosenPaths = layout.Chosen.Path is { } cp ? await ReadStrings(group, cp, rows, cancellationToken) : null;
                var rejected = await ReadBytes(group, layout.Rejected.Bytes, rows, cancellationToken);
                var rejectedPaths = layout.Rejected.Path is { } rp ? await ReadStrings(group, rp, rows, cancellationToken) : null;
                var ids = layout.Id is { } idField ? await ReadStrings(group, idField, rows, cancellationToken) : null;
                var extras = new List<(string Name, string?[] Values)>(layout.Metadata.Count);
                foreach (var field in layout.Metadata)
                {
                    extras.Add((field.Name, await ReadStrings(group, field, rows, cancellationToken)));
                }

                for (int i = 0; i < rows; i++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    long row = rowBase + i;
                    string prompt = prompts[i]
                        ?? throw new PreferenceDataException(_path, null, PromptColumn, $"row {row}: prompt is null");
                    var chosenImage = DecodeCell(ChosenColumn, row, chosen[i], chosenPaths?[i]);
                    var rejectedImage = DecodeCell(RejectedColumn, row, rejected[i], rejectedPaths?[i]);
                    var metadata = new Dictionary<string, string>();
                    foreach (var (name, values) in extras)
                    {
                        if (values[i] is string value)
                        {
                            metadata[name] = value;
                        }
                    }

                    yield return new PreferencePair(prompt, chosenImage, rejectedImage)
                    {
                        Id = ids?[i] ?? row.ToString(),
                        Metadata = metadata,
                    };
                }

                rowBase += rows;
            }
        }
    }

    /// <summary>Reads all pairs synchronously into a list (small files, tests).</summary>
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

    private RgbImage DecodeCell(string column, long row, byte[]? bytes, string? path)
    {
        string where = path is null ? $"row {row}" : $"row {row} (path '{path}')";
        if (bytes is null || bytes.Length == 0)
        {
            throw new PreferenceDataException(_path, null, column, $"{where}: no image bytes");
        }

        try
        {
            return RgbImageDecoder.Decode(bytes, _resolution);
        }
        catch (InvalidDataException e)
        {
            throw new PreferenceDataException(_path, null, column, $"{where}: {e.Message}", e);
        }
    }

    private static async Task<string?[]> ReadStrings(ParquetRowGroupReader group, DataField field, int rows, CancellationToken cancellationToken)
    {
        var values = new string?[rows];
        await group.ReadAsync(field, values.AsMemory(), null, cancellationToken);
        return values;
    }

    private static async Task<byte[]?[]> ReadBytes(ParquetRowGroupReader group, DataField field, int rows, CancellationToken cancellationToken)
    {
        var values = new byte[]?[rows];
        await group.ReadAsync(field, values.AsMemory(), null, cancellationToken);
        return values;
    }

    private Layout ResolveLayout(ParquetSchema schema)
    {
        var prompt = TopLevel(schema, PromptColumn);
        if (prompt is not DataField promptField || !IsString(promptField) || promptField.IsArray)
        {
            throw WrongType(PromptColumn, prompt, "a string column");
        }

        var chosen = ImageColumn(schema, ChosenColumn);
        var rejected = ImageColumn(schema, RejectedColumn);
        DataField? id = null;
        var metadata = new List<DataField>();
        foreach (var field in schema.Fields)
        {
            if (field is DataField data && IsString(data)
                && data.Name is not (PromptColumn or ChosenColumn or RejectedColumn))
            {
                if (data.Name == IdColumn)
                {
                    id = data;
                }
                else
                {
                    metadata.Add(data);
                }
            }
        }

        return new Layout(promptField, chosen, rejected, id, metadata);
    }

    private ImageColumns ImageColumn(ParquetSchema schema, string name)
    {
        var field = TopLevel(schema, name);
        switch (field)
        {
            case DataField data when IsBinary(data):
                return new ImageColumns(data, null);
            case StructField structure:
                var bytes = structure.Fields.FirstOrDefault(f => f.Name == "bytes");
                if (bytes is not DataField bytesField || !IsBinary(bytesField))
                {
                    throw WrongType(name, field, "a binary column or a struct {bytes: binary, path: string}; the struct has no binary 'bytes' field");
                }

                var path = structure.Fields.FirstOrDefault(f => f.Name == "path") as DataField;
                return new ImageColumns(bytesField, path is not null && IsString(path) ? path : null);
            default:
                throw WrongType(name, field, "a binary column or a struct {bytes: binary, path: string}");
        }
    }

    private Field? TopLevel(ParquetSchema schema, string name)
    {
        var field = schema.Fields.FirstOrDefault(f => f.Name == name);
        if (field is null)
        {
            string present = string.Join(", ", schema.Fields.Select(f => f.Name));
            throw new PreferenceDataException(_path, null, name, $"missing column (columns present: {present})");
        }

        return field;
    }

    private PreferenceDataException WrongType(string name, Field? field, string expected)
    {
        string actual = field switch
        {
            DataField d => $"{(d.IsArray ? "a list of " : string.Empty)}{TypeName(d)}",
            StructField s => $"a struct {{{string.Join(", ", s.Fields.Select(f => f.Name))}}}",
            null => "missing",
            _ => field.SchemaType.ToString(),
        };
        return new PreferenceDataException(_path, null, name, $"wrong column type: expected {expected}, found {actual}");
    }

    // Parquet.Net 6 reports UTF-8 columns as ReadOnlyMemory<char> and binary ones as byte[] or ReadOnlyMemory<byte>
    // depending on how the file was written; both read through the string / byte[] ReadAsync overloads.
    private static bool IsString(DataField field) =>
        !field.IsArray && field.MaxRepetitionLevel == 0 && (field.ClrType == typeof(string) || field.ClrType == typeof(ReadOnlyMemory<char>));

    private static bool IsBinary(DataField field) =>
        !field.IsArray && field.MaxRepetitionLevel == 0 && (field.ClrType == typeof(byte[]) || field.ClrType == typeof(ReadOnlyMemory<byte>));

    private static string TypeName(DataField field) =>
        field.ClrType == typeof(string) || field.ClrType == typeof(ReadOnlyMemory<char>) ? "string"
        : field.ClrType == typeof(byte[]) || field.ClrType == typeof(ReadOnlyMemory<byte>) ? "binary"
        : field.ClrType.Name;

    private sealed record ImageColumns(DataField Bytes, DataField? Path);

    private sealed record Layout(DataField Prompt, ImageColumns Chosen, ImageColumns Rejected, DataField? Id, IReadOnlyList<DataField> Metadata);
}
