namespace Chats.Core.Sampling;

/// <summary>
/// Platform-independent standard-normal noise from a 64-bit seed: SplitMix64 seeds xoshiro256**, and
/// Box–Muller turns pairs of uniforms into normals. The same seed gives the same bits on every machine
/// and runtime version, which is what makes "same seed → byte-identical PNG" hold across services.
/// </summary>
public static class GaussianNoise
{
    /// <summary>Fills <paramref name="destination"/> with N(0, 1) samples determined by <paramref name="seed"/>.</summary>
    public static void Fill(Span<float> destination, ulong seed)
    {
        ulong s0 = SplitMix(ref seed), s1 = SplitMix(ref seed), s2 = SplitMix(ref seed), s3 = SplitMix(ref seed);
        for (int i = 0; i < destination.Length; i += 2)
        {
            // 53-bit uniforms in (0, 1]: log never sees zero.
            double u1 = ((Next(ref s0, ref s1, ref s2, ref s3) >> 11) + 1) * (1.0 / 9007199254740992.0);
            double u2 = (Next(ref s0, ref s1, ref s2, ref s3) >> 11) * (1.0 / 9007199254740992.0);
            double radius = Math.Sqrt(-2.0 * Math.Log(u1));
            double angle = 2.0 * Math.PI * u2;
            destination[i] = (float)(radius * Math.Cos(angle));
            if (i + 1 < destination.Length)
            {
                destination[i + 1] = (float)(radius * Math.Sin(angle));
            }
        }
    }

    /// <summary>A new buffer of <paramref name="count"/> N(0, 1) samples.</summary>
    public static float[] Sample(int count, ulong seed)
    {
        var values = new float[count];
        Fill(values, seed);
        return values;
    }

    private static ulong SplitMix(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong Next(ref ulong s0, ref ulong s1, ref ulong s2, ref ulong s3)
    {
        ulong result = ulong.RotateLeft(s1 * 5, 7) * 9;
        ulong t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = ulong.RotateLeft(s3, 45);
        return result;
    }
}
