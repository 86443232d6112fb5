namespace Chats.Training.Data;

/// <summary>
/// Preference data that cannot be read: the message names the file and, where known, the line (folder format),
/// the row and the column (parquet format).
/// </summary>
public sealed class PreferenceDataException : IOException
{
    /// <summary>Creates an exception with a default message.</summary>
    public PreferenceDataException()
    {
    }

    /// <summary>Creates an exception with the given message.</summary>
    public PreferenceDataException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with the given message and cause.</summary>
    public PreferenceDataException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception that names where the problem is.</summary>
    /// <param name="file">The file that holds the bad data.</param>
    /// <param name="line">The 1-based line of a JSONL file, if the problem is on one line.</param>
    /// <param name="column">The parquet column (or JSON field) concerned, if any.</param>
    /// <param name="detail">What is wrong.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public PreferenceDataException(string file, int? line, string? column, string detail, Exception? innerException = null)
        : base(Format(file, line, column, detail), innerException)
    {
        FilePath = file;
        Line = line;
        Column = column;
    }

    /// <summary>The file that holds the bad data, when known.</summary>
    public string? FilePath { get; }

    /// <summary>The 1-based line in a JSONL file, when the problem is on one line.</summary>
    public int? Line { get; }

    /// <summary>The parquet column or JSON field concerned, when there is one.</summary>
    public string? Column { get; }

    private static string Format(string file, int? line, string? column, string detail)
    {
        string where = line is int l ? $"{file}:{l}" : file;
        return column is null ? $"{where}: {detail}" : $"{where}: '{column}': {detail}";
    }
}
