using Chats.Core.Schedulers;

namespace Chats.Core.Tests.Schedulers;

/// <summary>
/// A deterministic stand-in for a denoiser: its output depends non-linearly on the scaled sample, the timestep and
/// the step, so a multistep solver's history changes the result.
/// </summary>
internal static class SyntheticTrajectory
{
    /// <summary>Latent values per sample: one 4 × 8 × 8 latent.</summary>
    public const int Length = 4 * 8 * 8;

    /// <summary>Seeded pseudo-noise in [−1, 1), scaled by the scheduler's initial σ.</summary>
    public static float[] InitialSample(float initNoiseSigma)
    {
        var sample = new float[Length];
        uint state = 0x9E3779B9u;
        for (int i = 0; i < sample.Length; i++)
        {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            sample[i] = ((state / (float)uint.MaxValue * 2f) - 1f) * initNoiseSigma;
        }

        return sample;
    }

    /// <summary>Steps <paramref name="sample"/> in place from step <paramref name="from"/> up to (excluding) <paramref name="to"/>.</summary>
    public static void Run(INoiseScheduler scheduler, float[] sample, int from, int to)
    {
        var modelInput = new float[sample.Length];
        var modelOutput = new float[sample.Length];
        for (int step = from; step < to; step++)
        {
            sample.CopyTo(modelInput, 0);
            scheduler.ScaleModelInput(modelInput, step);
            float timestep = scheduler.Timesteps[step];
            for (int i = 0; i < modelInput.Length; i++)
            {
                modelOutput[i] = (0.8f * MathF.Tanh(modelInput[i])) + (0.05f * MathF.Sin((0.37f * i) + (0.001f * timestep))) - (0.01f * step);
            }

            scheduler.Step(modelOutput, step, sample);
        }
    }

    /// <summary>The IEEE bit patterns, so that comparisons are exact (−0 ≠ 0, NaN = NaN of the same payload).</summary>
    public static int[] Bits(float[] values) => Array.ConvertAll(values, BitConverter.SingleToInt32Bits);
}
