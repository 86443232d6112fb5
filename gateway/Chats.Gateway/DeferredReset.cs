using Microsoft.AspNetCore.Http.Features;

namespace Chats.Gateway;

/// <summary>
/// Holds back the HTTP/2 stream reset YARP sends when a sampler's response breaks off after it started: a reset reaches a
/// gRPC client as CANCELLED or INTERNAL, as if the client or the gateway were at fault. The gateway ends such a call with
/// trailers instead, and resets only when the client itself went away.
/// </summary>
internal sealed class DeferredReset(IHttpResetFeature inner) : IHttpResetFeature
{
    /// <summary>The feature this one wraps; restored when the call is over.</summary>
    public IHttpResetFeature Inner => inner;

    /// <summary>The HTTP/2 error code YARP asked for, if it asked.</summary>
    public int? Requested { get; private set; }

    public void Reset(int errorCode) => Requested = errorCode;

    /// <summary>Sends the reset YARP asked for, if it asked.</summary>
    public void Apply()
    {
        if (Requested is int code)
        {
            inner.Reset(code);
        }
    }
}
