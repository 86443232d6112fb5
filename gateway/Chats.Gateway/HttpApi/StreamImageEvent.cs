namespace Chats.Gateway.HttpApi;

/// <summary>The <c>image</c> event: one PNG (base64) of the generation.</summary>
public sealed record StreamImageEvent(int Index, ulong Seed, int Width, int Height, string B64Json);
