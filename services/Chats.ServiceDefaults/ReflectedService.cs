namespace Chats.ServiceDefaults;

/// <summary>
/// A service the process serves without mapping it as a gRPC endpoint (the gateway proxies <c>chats.v1.Sampler</c>):
/// server reflection lists it next to the mapped ones.
/// </summary>
/// <param name="Descriptor">The service's descriptor (e.g. <c>Sampler.Descriptor</c>).</param>
internal sealed record ReflectedService(Google.Protobuf.Reflection.ServiceDescriptor Descriptor);
