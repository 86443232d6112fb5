namespace Chats.ServiceDefaults;

/// <summary>The largest request message a service reads, and where that figure came from.</summary>
/// <param name="Bytes">The limit.</param>
/// <param name="Configured">True when <see cref="EndpointOptions.MaxReceiveMessageSize"/> set it, false for the service's default.</param>
public sealed record ReceiveLimit(int Bytes, bool Configured)
{
    /// <summary>A refusal's detail: the size, the limit and the key that sets it.</summary>
    public string Describe(string service, long received) => received >= 0
        ? $"the request message is {received} bytes; {service} accepts at most {Bytes} ({EndpointOptions.MaxReceiveMessageSizeKey})"
        : $"a request message exceeds the {Bytes} bytes {service} accepts ({EndpointOptions.MaxReceiveMessageSizeKey})";
}
