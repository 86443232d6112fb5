namespace Chats.Gateway;

/// <summary>
/// The request header that picks a caller's arm instead of the sticky assignment: honoured for API keys with
/// <c>AllowArmOverride</c> (or for anyone with auth off and <c>Gateway:Auth:AllowArmOverrideWithoutAuth</c>), refused
/// with PERMISSION_DENIED otherwise, and never forwarded to the sampler. Any configured arm may be named, one with
/// weight 0 too.
/// </summary>
public static class ArmOverride
{
    /// <summary>The header (gRPC metadata): the name of one of <c>Gateway:Arms</c>.</summary>
    public const string Header = "x-chats-arm-override";
}
