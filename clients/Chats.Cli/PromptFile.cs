using System.Text.Json;

namespace Chats.Cli;

/// <summary>A JSONL prompt file: one object per line with <c>prompt</c> and optional <c>id</c> (default: the line index).</summary>
internal static class PromptFile
{
    public static IReadOnlyList<(string Id, string Prompt)> Read(string path)
    {
        var prompts = new List<(string, string)>();
        int line = 0;
        foreach (string text in File.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            try
            {
                using var json = JsonDocument.Parse(text);
                string prompt = json.RootElement.GetProperty("prompt").GetString()
                    ?? throw new InvalidDataException($"{path}:{line}: prompt is null");
                string id = json.RootElement.TryGetProperty("id", out var idElement) ? idElement.ToString() : (line - 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
                prompts.Add((id, prompt));
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new InvalidDataException($"{path}:{line}: not a JSON object with a \"prompt\" string ({e.Message})", e);
            }
        }

        return prompts;
    }
}
