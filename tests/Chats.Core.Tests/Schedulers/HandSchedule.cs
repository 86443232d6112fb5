namespace Chats.Core.Tests.Schedulers;

/// <summary>The SD training schedule recomputed in float64 from its definition, independently of the implementation.</summary>
internal static class HandSchedule
{
    /// <summary>ᾱ_t = Π_{i ≤ t} (1 − β_i), β_i = (√0.00085 + i·(√0.012 − √0.00085)/999)².</summary>
    public static double AlphaCumprod(int t)
    {
        double start = Math.Sqrt(0.00085);
        double end = Math.Sqrt(0.012);
        double product = 1;
        for (int i = 0; i <= t; i++)
        {
            double root = start + (i * (end - start) / 999);
            product *= 1 - (root * root);
        }

        return product;
    }

    /// <summary>k-diffusion σ_t = √((1 − ᾱ_t) / ᾱ_t).</summary>
    public static double Sigma(int t) => Math.Sqrt((1 - AlphaCumprod(t)) / AlphaCumprod(t));
}
