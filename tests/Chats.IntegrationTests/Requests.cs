using Chats.Protos.V1;

namespace Chats.IntegrationTests;

internal static class Requests
{
    public static GenerateRequest Small(string prompt, GuidanceMode mode, int steps = 3, ulong seed = 7) => new()
    {
        Prompt = prompt,
        Mode = mode,
        Steps = steps,
        Seed = seed,
        Width = 32,
        Height = 32,
    };
}
