using Chats.Training.Losses;
using TorchSharp;
using static TorchSharp.torch;

namespace Chats.Training.Tests.Losses;

public sealed class PreferenceLossesTests
{
    private static Tensor T(params double[] v) => tensor(v, dtype: float64);

    [Fact]
    public void PerSampleMse_MeansOverChannelsAndPixels()
    {
        // 2 samples x 1x1x2: (1² + 2²)/2 = 2.5 and (1² + 1²)/2 = 1.
        using var prediction = tensor(new float[] { 1, 2, 0, 0 }).reshape(2, 1, 1, 2);
        using var target = tensor(new float[] { 0, 0, 1, 1 }).reshape(2, 1, 1, 2);
        using var mse = PreferenceLosses.PerSampleMse(prediction, target);
        Assert.Equal([2], mse.shape);
        Assert.Equal([2.5f, 1f], mse.data<float>().ToArray());
    }

    [Fact]
    public void Chats_MatchesHandComputedValue()
    {
        // inner = (wθ − wref) + (lθ − lref) = [0, −0.1]; −log σ(−10·inner) = [log 2, log(1 + e^−1)].
        using var loss = PreferenceLosses.Chats(T(0.1, 0.3), T(0.2, 0.1), T(0.4, 0.2), T(0.3, 0.5), beta: 10);
        double expected = (Math.Log(2) + Math.Log(1 + Math.Exp(-1))) / 2;
        Assert.Equal(expected, loss.item<double>(), 1e-9);
    }

    [Fact]
    public void DiffusionDpo_MatchesHandComputedValue()
    {
        // inner = (wθ − wref) − (lθ − lref) = [−0.2, 0.5]; −log σ(−10·inner) = [log(1 + e^−2), log(1 + e^5)].
        using var loss = PreferenceLosses.DiffusionDpo(T(0.1, 0.3), T(0.2, 0.1), T(0.4, 0.2), T(0.3, 0.5), beta: 10);
        double expected = (Math.Log(1 + Math.Exp(-2)) + Math.Log(1 + Math.Exp(5))) / 2;
        Assert.Equal(expected, loss.item<double>(), 1e-9);
    }

    [Fact]
    public void ChatsWithoutReference_DropsTheReferenceTerms()
    {
        // inner = wθ + lθ = [0.5, 0.5]; −log σ(−5) = log(1 + e^5).
        using var loss = PreferenceLosses.ChatsWithoutReference(T(0.1, 0.3), T(0.4, 0.2), beta: 10);
        Assert.Equal(Math.Log(1 + Math.Exp(5)), loss.item<double>(), 1e-9);
    }

    [Fact]
    public void Chats_LargeBeta_StaysFiniteAndLinear()
    {
        // β = 1e6: −log σ(−1e6) = 1e6 (a naive log(sigmoid) gives +inf), −log σ(1e6) = 0.
        using var loss = PreferenceLosses.Chats(
            tensor(new float[] { 1, -1 }), tensor(new float[] { 0, 0 }), tensor(new float[] { 0, 0 }), tensor(new float[] { 0, 0 }), beta: 1e6);
        float value = loss.item<float>();
        Assert.True(float.IsFinite(value));
        Assert.Equal(5e5f, value, 1f);
    }

    [Fact]
    public void Chats_LargeBeta_GradientIsFinite()
    {
        using var w = tensor(new float[] { 1, -1 }).requires_grad_(true);
        using var zero = zeros(2);
        using var loss = PreferenceLosses.Chats(w, zero, zero, zero, beta: 1e6);
        loss.backward();
        var grad = w.grad!.data<float>().ToArray();
        Assert.All(grad, g => Assert.True(float.IsFinite(g)));
        Assert.Equal(5e5f, grad[0], 1f);
        Assert.Equal(0f, grad[1], 1e-3f);
    }

    [Fact]
    public void Losses_RejectMismatchedTerms()
    {
        using var a = zeros(2);
        using var b = zeros(3);
        Assert.Throws<ArgumentException>(() => PreferenceLosses.Chats(a, a, a, b));
        using var p = zeros(2, 1, 1, 2);
        using var q = zeros(2, 1, 2, 1);
        Assert.Throws<ArgumentException>(() => PreferenceLosses.PerSampleMse(p, q));
    }
}
