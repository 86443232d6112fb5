namespace Chats.Core.Guidance;

/// <summary>
/// CHATS with the proxy prompt (Eq. 17), the default: ε = (1+s)·ε+(z,c) − s·ε−(z,c̃) with
/// c̃ = −α·c + (1+α)·∅ applied to every conditioning tensor (token embeddings and, for SDXL, the
/// pooled embedding). Two passes per step. With α = 0, c̃ = ∅ and this is two-model CFG.
/// </summary>
public static class ChatsProxyGuidance
{
    /// <summary>Writes the proxy conditioning −α·<paramref name="conditional"/> + (1+α)·<paramref name="unconditional"/>.</summary>
    public static void ProxyConditioning(ReadOnlySpan<float> conditional, ReadOnlySpan<float> unconditional, float alpha, Span<float> destination)
    {
        GuidanceChecks.SameLength(conditional, unconditional, destination);
        float onePlusAlpha = 1f + alpha;
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = (-alpha * conditional[i]) + (onePlusAlpha * unconditional[i]);
        }
    }

    /// <summary>The proxy conditioning as a new array.</summary>
    public static float[] ProxyConditioning(ReadOnlySpan<float> conditional, ReadOnlySpan<float> unconditional, float alpha)
    {
        var result = new float[conditional.Length];
        ProxyConditioning(conditional, unconditional, alpha, result);
        return result;
    }

    /// <summary>Writes (1+s)·ε+(z,c) − s·ε−(z,c̃) into <paramref name="destination"/>.</summary>
    public static void Combine(ReadOnlySpan<float> preferredConditional, ReadOnlySpan<float> dispreferredProxy, float scale, Span<float> destination)
        => ClassifierFreeGuidance.Combine(preferredConditional, dispreferredProxy, scale, destination);
}
