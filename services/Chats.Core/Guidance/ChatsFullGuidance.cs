namespace Chats.Core.Guidance;

/// <summary>
/// CHATS full sampling (Eq. 16): ε = (1+s)·ε+(z,c) − s·[−α·ε−(z,c) + (1+α)·ε−(z,∅)], three passes per step.
/// With ε+ = ε− it reduces to classifier-free guidance with scale s·(1+α).
/// </summary>
public static class ChatsFullGuidance
{
    /// <summary>Combines θ+'s conditional and θ−'s conditional and unconditional predictions.</summary>
    public static void Combine(
        ReadOnlySpan<float> preferredConditional,
        ReadOnlySpan<float> dispreferredConditional,
        ReadOnlySpan<float> dispreferredUnconditional,
        float scale,
        float alpha,
        Span<float> destination)
    {
        GuidanceChecks.SameLength(preferredConditional, dispreferredConditional, destination);
        GuidanceChecks.SameLength(preferredConditional, dispreferredUnconditional, destination);
        float plus = 1f + scale;
        float onePlusAlpha = 1f + alpha;
        for (int i = 0; i < destination.Length; i++)
        {
            float negative = (-alpha * dispreferredConditional[i]) + (onePlusAlpha * dispreferredUnconditional[i]);
            destination[i] = (plus * preferredConditional[i]) - (scale * negative);
        }
    }
}
