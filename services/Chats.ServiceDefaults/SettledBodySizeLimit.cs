using Microsoft.AspNetCore.Http.Features;

namespace Chats.ServiceDefaults;

/// <summary>
/// Stands in for the server's body-size feature once <see cref="GrpcRequestSizeGuard.CapProxiedBody"/> has set the cap:
/// later writers (YARP's forwarder, which lifts the limit of gRPC requests) see a writable feature, and what they write
/// has no effect on the cap.
/// </summary>
internal sealed class SettledBodySizeLimit(long? cap) : IHttpMaxRequestBodySizeFeature
{
    public bool IsReadOnly => false;

    public long? MaxRequestBodySize { get; set; } = cap;
}
