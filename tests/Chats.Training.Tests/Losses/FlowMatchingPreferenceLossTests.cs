using Chats.Training.Diffusion;
using Chats.Training.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace Chats.Training.Tests.Losses;

/// <summary>
/// The flow-matching preference losses (CHATS Eq. 14 on velocities, Diffusion-DPO) against values computed here in
/// float64 from the guide's formulas: z_t = (1 − t)·x + t·ε, target v = ε − x, per-sample mean squared errors, and
/// −log σ(−β·inner). The models are distinct affine functions of z_t, so every MSE differs and no term cancels.
/// </summary>
public sealed class FlowMatchingPreferenceLossTests
{
    private const double Beta = 0.75;

    private static readonly float[] s_win = [1.5f, -0.5f, 0.25f, 2f, -1f, 0.75f];
    private static readonly float[] s_lose = [-1f, 0.5f, 1.25f, 0f, 0.3f, -2f];

    /// <summary>One model's call: z_t and the timestep it was given.</summary>
    private sealed record Call(string Model, double[] Noisy, double[] Timestep);

    /// <summary>Makes each named model predict <c>scale · z_t + shift</c>, keeping what it was called with.</summary>
    private sealed class AffineModels
    {
        public List<Call> Calls { get; } = [];

        public Denoiser For(string name, float scale, float shift) => (noisy, timestep, conditioning) =>
        {
            Calls.Add(new Call(name, ToDoubles(noisy), ToDoubles(timestep)));
            return (noisy * scale) + shift;
        };
    }

    [Theory]
    [InlineData(PreferenceMethod.Chats)]
    [InlineData(PreferenceMethod.DiffusionDpo)]
    public void Loss_MatchesTheHandComputedFormula(PreferenceMethod method)
    {
        // B = 2 pairs of 1×1×3 latents.
        using var xw = tensor(s_win).reshape(2, 1, 1, 3);
        using var xl = tensor(s_lose).reshape(2, 1, 1, 3);
        using var c = tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 1, 2);
        var batch = new PreferenceBatch(xw, xl, c);
        var models = new AffineModels();
        var objective = new PreferenceObjective(method, new FlowMatchingNoising(), Beta, pUncond: 0);
        using var generator = new Generator(123);
        bool twoModels = method == PreferenceMethod.Chats;
        var policyWin = models.For("win", 0.5f, 0.1f);
        var policyLose = twoModels ? models.For("lose", -0.8f, 0.2f) : policyWin;
        var terms = objective.Compute(batch, policyWin, policyLose, models.For("ref", 1.1f, -0.3f), generator);

        // Calls in order: θ+(z_w), θ−(z_l) (θ for DPO), ref(z_w), ref(z_l).
        Assert.Equal(4, models.Calls.Count);
        var (zw, zl) = (models.Calls[0].Noisy, models.Calls[1].Noisy);
        double[] t = [.. models.Calls[0].Timestep.Select(v => v / 1000.0)];
        Assert.Equal(models.Calls[0].Timestep, models.Calls[1].Timestep);
        Assert.All(t, v => Assert.InRange(v, 1e-5, 1 - 1e-5));

        // ε from z_w; the same ε and t must give z_l (one draw per pair, as the method requires).
        double[] eps = new double[6];
        for (int i = 0; i < 6; i++)
        {
            double ti = t[i / 3];
            eps[i] = (zw[i] - ((1 - ti) * s_win[i])) / ti;
            Assert.Equal((1 - ti) * s_lose[i] + ti * eps[i], zl[i], 1e-4);
        }

        double Mse(double[] z, float[] x, int sample, double scale, double shift)
        {
            double sum = 0;
            for (int j = 0; j < 3; j++)
            {
                int i = (sample * 3) + j;
                double prediction = (scale * z[i]) + shift, target = eps[i] - x[i];
                sum += (prediction - target) * (prediction - target);
            }

            return sum / 3;
        }

        double expected = 0;
        for (int b = 0; b < 2; b++)
        {
            double winPolicy = Mse(zw, s_win, b, 0.5, 0.1);
            double losePolicy = twoModels ? Mse(zl, s_lose, b, -0.8, 0.2) : Mse(zl, s_lose, b, 0.5, 0.1);
            double winRef = Mse(zw, s_win, b, 1.1, -0.3), loseRef = Mse(zl, s_lose, b, 1.1, -0.3);
            double inner = twoModels
                ? (winPolicy - winRef) + (losePolicy - loseRef)
                : (winPolicy - winRef) - (losePolicy - loseRef);
            Assert.Equal(winPolicy, terms.MseWinPolicy[b].item<float>(), 1e-4);
            expected += Math.Log(1 + Math.Exp(Beta * inner)) / 2;
        }

        Assert.False(terms.UsedNullConditioning);
        Assert.Equal(expected, terms.Loss.item<float>(), 1e-5);

        // The value is no accident of the setup: log 2 would mean every term cancelled.
        Assert.True(Math.Abs(expected - Math.Log(2)) > 0.01, $"expected {expected} too close to log 2");
    }

    private static double[] ToDoubles(Tensor tensor)
    {
        using var d = tensor.detach().to(ScalarType.Float64).contiguous();
        return d.data<double>().ToArray();
    }
}
