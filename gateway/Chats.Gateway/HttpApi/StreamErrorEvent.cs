namespace Chats.Gateway.HttpApi;

/// <summary>The <c>error</c> event: the error body of the non-streaming endpoint plus the HTTP status it would have had.</summary>
public sealed record StreamErrorEvent(ApiError Error, int Status);
