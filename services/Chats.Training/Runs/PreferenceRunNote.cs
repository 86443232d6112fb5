using System.Text.Json;
using System.Text.Json.Serialization;

namespace Chats.Training.Runs;

/// <summary>
/// What a <see cref="PreferenceRun"/> adds to <c>trainer_state.json</c>'s note: the run settings the trainer does not
/// store but that decide which batches a step sees, so a resume can refuse settings that would change them.
/// </summary>
internal sealed record PreferenceRunNote(int BatchSize, int Resolution, NullConditioningKind NullConditioning)
{
    private const string Prefix = "preference-run ";

    private static readonly JsonSerializerOptions s_json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    public string Format() => Prefix + JsonSerializer.Serialize(this, s_json);

    public static PreferenceRunNote? Parse(string? note)
    {
        if (note is null || !note.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<PreferenceRunNote>(note[Prefix.Length..], s_json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
