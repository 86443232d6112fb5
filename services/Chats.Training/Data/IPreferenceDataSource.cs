namespace Chats.Training.Data;

/// <summary>A source of preference pairs, read lazily in file order.</summary>
public interface IPreferenceDataSource
{
    /// <summary>
    /// Streams the pairs; each enumeration reads the data again from the start. Throws
    /// <see cref="PreferenceDataException"/> naming the file (and line, row or column) on bad data.
    /// </summary>
    IAsyncEnumerable<PreferencePair> ReadAsync(CancellationToken cancellationToken = default);
}
