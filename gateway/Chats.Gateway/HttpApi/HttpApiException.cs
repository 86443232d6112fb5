namespace Chats.Gateway.HttpApi;

/// <summary>A request the HTTP layer refuses before any gRPC call; the handler answers with <see cref="Failure"/>.</summary>
internal sealed class HttpApiException(HttpApiFailure failure) : Exception(failure.Error.Message)
{
    public HttpApiFailure Failure { get; } = failure;
}
