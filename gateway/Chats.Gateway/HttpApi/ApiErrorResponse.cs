namespace Chats.Gateway.HttpApi;

/// <summary>OpenAI's error body: <c>{"error": {"message", "type", "param", "code"}}</c>.</summary>
/// <param name="Error">The error.</param>
public sealed record ApiErrorResponse(ApiError Error);
