using Microsoft.AspNetCore.Http.Features;

namespace Chats.ServiceDefaults;

/// <summary>
/// Stands in for the server's body-size feature once <see cref="GrpcRequestSizeGuard"/> has set the cap and started
/// reading: later writers (YARP's forwarder) see a writable feature, and what they write has no effect on the cap.
/// </summary>
internal sealed class SettledBodySizeLimit(long? cap) : IHttpMaxRequestBodySizeFeature
{
    public bool IsReadOnly => false;

    public long? MaxRequestBodySize { get; set; } = cap;
}
