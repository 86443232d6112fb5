namespace Chats.Gateway.HttpApi;

/// <summary>One error, as OpenAI's API reports it.</summary>
/// <param name="Message">Field first (<c>steps: 500 is outside [1, 150]</c>): the gRPC status detail, verbatim.</param>
/// <param name="Type">The kind, e.g. <c>invalid_request_error</c>, <c>rate_limit_error</c>, <c>server_error</c>.</param>
/// <param name="Param">The request member at fault (<c>size</c>, <c>steps</c>, …), or null.</param>
/// <param name="Code">The gRPC status in snake_case, e.g. <c>invalid_argument</c>, <c>resource_exhausted</c>.</param>
public sealed record ApiError(string Message, string Type, string? Param, string Code);
