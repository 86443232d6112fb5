using System.Text.Json;

namespace Chats.IntegrationTests;

/// <summary>One run of playground.mjs.</summary>
/// <param name="ExitCode">0 when both sides showed an image.</param>
/// <param name="Summary">What the page showed (the script's JSON), or null if it printed none.</param>
/// <param name="Output">Everything the script wrote, for failure messages.</param>
internal sealed record PlaygroundRun(int ExitCode, JsonElement? Summary, string Output)
{
    /// <summary>One side's part of the summary (<c>cfg</c> or <c>chats</c>).</summary>
    public JsonElement Side(string mode) =>
        (Summary ?? throw new InvalidOperationException("playground.mjs printed no JSON summary: " + Output)).GetProperty(mode);
}
