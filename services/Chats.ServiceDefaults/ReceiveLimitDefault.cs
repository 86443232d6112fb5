namespace Chats.ServiceDefaults;

/// <summary>A service's default receive limit in bytes, computed once its services exist (e.g. from the loaded model).</summary>
/// <param name="Bytes">The default when <see cref="EndpointOptions.MaxReceiveMessageSize"/> is not set.</param>
internal sealed record ReceiveLimitDefault(Func<IServiceProvider, int> Bytes);
