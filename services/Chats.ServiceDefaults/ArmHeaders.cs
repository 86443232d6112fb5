namespace Chats.ServiceDefaults;

/// <summary>Headers of the A/B contract between the gateway and the sampler.</summary>
public static class ArmHeaders
{
    /// <summary>
    /// Request: the arm the gateway assigned. Response: the arm that chose the mode, "explicit" when the request named it,
    /// or "default" when the sampler's default mode applied.
    /// </summary>
    public const string Arm = "x-chats-arm";

    /// <summary>Request: the assigned arm's mode (cfg, chats, chats_full). Response: the mode that ran.</summary>
    public const string Mode = "x-chats-mode";
}
