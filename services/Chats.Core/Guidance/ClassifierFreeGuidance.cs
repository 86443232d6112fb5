namespace Chats.Core.Guidance;

/// <summary>
/// Classifier-free guidance in the CHATS paper's convention (Eq. 8): ε = (1+s)·ε(z,c) − s·ε(z,∅).
/// diffusers' <c>guidance_scale</c> w is s + 1 (ε = ε(∅) + w·(ε(c) − ε(∅))). Applies unchanged to
/// flow-matching velocities.
/// </summary>
public static class ClassifierFreeGuidance
{
    /// <summary>Writes (1+s)·<paramref name="conditional"/> − s·<paramref name="unconditional"/> into <paramref name="destination"/>.</summary>
    public static void Combine(ReadOnlySpan<float> conditional, ReadOnlySpan<float> unconditional, float scale, Span<float> destination)
    {
        GuidanceChecks.SameLength(conditional, unconditional, destination);
        float plus = 1f + scale;
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = (plus * conditional[i]) - (scale * unconditional[i]);
        }
    }

    /// <summary>diffusers' guidance_scale w for a paper-convention scale s (w = s + 1).</summary>
    public static float ToDiffusersGuidanceScale(float scale) => scale + 1f;

    /// <summary>The paper-convention scale s for diffusers' guidance_scale w (s = w − 1).</summary>
    public static float FromDiffusersGuidanceScale(float guidanceScale) => guidanceScale - 1f;
}
