namespace Chats.Core.Schedulers;

/// <summary>
/// The schedule arithmetic diffusers does with torch float32 tensors and numpy float64 arrays, written out
/// so that each value is rounded where diffusers rounds it (trajectories then match to float tolerance).
/// </summary>
internal static class ScheduleMath
{
    /// <summary>β₁…β_T as diffusers builds them: a float32 <c>torch.linspace</c> (squared for scaled_linear).</summary>
    public static float[] Betas(SchedulerConfig config) => config.BetaSchedule switch
    {
        BetaSchedule.Linear => TorchLinspace((float)config.BetaStart, (float)config.BetaEnd, config.NumTrainTimesteps),
        BetaSchedule.ScaledLinear => Square(TorchLinspace(
            (float)Math.Sqrt(config.BetaStart), (float)Math.Sqrt(config.BetaEnd), config.NumTrainTimesteps)),
        _ => throw new ArgumentOutOfRangeException(nameof(config), config.BetaSchedule, "Unknown beta schedule."),
    };

    /// <summary>ᾱ_t = Π(1 − β), a float32 running product like <c>torch.cumprod</c>.</summary>
    public static float[] AlphasCumprod(float[] betas)
    {
        var result = new float[betas.Length];
        float product = 1f;
        for (int i = 0; i < betas.Length; i++)
        {
            product *= 1f - betas[i];
            result[i] = product;
        }

        return result;
    }

    /// <summary>σ_t = √((1 − ᾱ_t) / ᾱ_t) in float32, indexed by training timestep.</summary>
    public static float[] TrainingSigmas(float[] alphasCumprod)
    {
        var result = new float[alphasCumprod.Length];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = MathF.Sqrt((1f - alphasCumprod[i]) / alphasCumprod[i]);
        }

        return result;
    }

    /// <summary>float32 <c>torch.linspace</c>: the first half counts up from start, the second down from end.</summary>
    public static float[] TorchLinspace(float start, float end, int steps)
    {
        var result = new float[steps];
        if (steps == 1)
        {
            result[0] = start;
            return result;
        }

        float step = (end - start) / (steps - 1);
        int halfway = steps / 2;
        for (int i = 0; i < steps; i++)
        {
            result[i] = i < halfway ? start + (step * i) : end - (step * (steps - i - 1));
        }

        return result;
    }

    /// <summary>float64 <c>np.linspace</c> with its endpoint.</summary>
    public static double[] Linspace(double start, double stop, int num)
    {
        var result = new double[num];
        double step = (stop - start) / (num - 1);
        for (int i = 0; i < num; i++)
        {
            result[i] = num > 1 ? (i * step) + start : start;
        }

        if (num > 1)
        {
            result[^1] = stop;
        }

        return result;
    }

    /// <summary><c>np.arange(start, stop, step)</c> for a float step.</summary>
    public static double[] Arange(double start, double stop, double step)
    {
        int length = Math.Max(0, (int)Math.Ceiling((stop - start) / step));
        var result = new double[length];
        for (int i = 0; i < length; i++)
        {
            result[i] = start + (i * step);
        }

        return result;
    }

    /// <summary><c>np.interp(x, arange(len(fp)), fp)</c> in float64.</summary>
    public static double Interp(double x, float[] fp)
    {
        int last = fp.Length - 1;
        if (x <= 0)
        {
            return fp[0];
        }

        if (x >= last)
        {
            return fp[last];
        }

        int j = (int)Math.Floor(x);
        if (j == x)
        {
            return fp[j];
        }

        double slope = (double)fp[j + 1] - fp[j];
        return (slope * (x - j)) + fp[j];
    }

    /// <summary>Karras et al. (2022) ρ = 7 schedule from σ_max down to σ_min, in float64 like diffusers.</summary>
    public static double[] KarrasSigmas(double sigmaMin, double sigmaMax, int count)
    {
        const double rho = 7.0;
        double[] ramp = Linspace(0, 1, count);
        double minInvRho = Math.Pow(sigmaMin, 1 / rho);
        double maxInvRho = Math.Pow(sigmaMax, 1 / rho);
        var sigmas = new double[count];
        for (int i = 0; i < count; i++)
        {
            sigmas[i] = Math.Pow(maxInvRho + (ramp[i] * (minInvRho - maxInvRho)), rho);
        }

        return sigmas;
    }

    /// <summary>float32 log σ_t, the table <see cref="SigmaToTimestep"/> inverts.</summary>
    public static float[] Log(float[] values)
    {
        var result = new float[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            result[i] = MathF.Log(values[i]);
        }

        return result;
    }

    /// <summary>
    /// diffusers' <c>_sigma_to_t</c>: the fractional training timestep whose σ is <paramref name="sigma"/>,
    /// interpolating linearly in log σ between the two neighbouring entries of <paramref name="logSigmas"/>.
    /// </summary>
    public static double SigmaToTimestep(double sigma, float[] logSigmas)
    {
        double logSigma = Math.Log(Math.Max(sigma, 1e-10));

        // diffusers takes the last index whose log σ is at or below the target (0 if none), capped so that
        // a higher neighbour exists.
        int lowIndex = 0;
        for (int i = 0; i < logSigmas.Length; i++)
        {
            if (logSigma - logSigmas[i] >= 0)
            {
                lowIndex = i;
            }
        }

        lowIndex = Math.Min(lowIndex, logSigmas.Length - 2);
        double low = logSigmas[lowIndex];
        double high = logSigmas[lowIndex + 1];
        double w = Math.Clamp((low - logSigma) / (low - high), 0, 1);
        return ((1 - w) * lowIndex) + (w * (lowIndex + 1));
    }

    /// <summary>Checks a step call's arguments against the trajectory and buffer sizes.</summary>
    public static void CheckStep(int stepIndex, int stepCount, int modelOutputLength, int sampleLength)
    {
        if (stepCount == 0)
        {
            throw new InvalidOperationException("SetTimesteps must be called before stepping.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(stepIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(stepIndex, stepCount);
        if (modelOutputLength != sampleLength)
        {
            throw new ArgumentException(
                $"The model output has {modelOutputLength} values but the sample has {sampleLength}.");
        }
    }

    /// <summary>Throws unless <c>SetTimesteps</c> has prepared a trajectory to capture.</summary>
    public static void CheckCapturable(int stepCount)
    {
        if (stepCount == 0)
        {
            throw new InvalidOperationException("SetTimesteps must be called before capturing the scheduler state.");
        }
    }

    /// <summary>
    /// Throws unless the state is of <paramref name="kind"/> and its step count is one <c>SetTimesteps</c> accepts
    /// under <paramref name="trainSteps"/> (checked here so that the message names the state, not a parameter).
    /// </summary>
    public static void CheckRestorable(SchedulerState state, SchedulerKind kind, int trainSteps)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.CheckKind(kind, nameof(state));
        if (state.NumInferenceSteps > trainSteps)
        {
            throw new ArgumentException(
                $"The state's {state.NumInferenceSteps} inference steps exceed the config's {trainSteps} training timesteps.",
                nameof(state));
        }
    }

    private static float[] Square(float[] values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] *= values[i];
        }

        return values;
    }
}
