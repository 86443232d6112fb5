namespace Chats.Gateway.HttpApi;

/// <summary>The <c>progress</c> event: the 1-based step just finished, of <paramref name="TotalSteps"/>.</summary>
public sealed record StreamProgressEvent(int Step, int TotalSteps);
