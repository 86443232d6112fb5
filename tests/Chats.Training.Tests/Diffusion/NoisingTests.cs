using Chats.Training.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace Chats.Training.Tests.Diffusion;

public sealed class NoisingTests
{
    [Fact]
    public void DiffusionNoising_AlphasCumprod_IsScaledLinearSd()
    {
        var noising = new DiffusionNoising();
        Assert.Equal(1000, noising.AlphasCumprod.Count);
        Assert.Equal(1 - 0.00085, noising.AlphasCumprod[0], 1e-6);

        double product = 1;
        double start = Math.Sqrt(0.00085), end = Math.Sqrt(0.012);
        for (int i = 0; i < 1000; i++)
        {
            double b = start + ((end - start) * i / 999);
            product *= 1 - (b * b);
        }

        Assert.Equal(product, noising.AlphasCumprod[999], 1e-5);
    }

    [Fact]
    public void DiffusionNoising_AddNoise_UsesAlphaBarPerSample()
    {
        var noising = new DiffusionNoising();
        using var x = tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 1, 1, 2);
        using var eps = tensor(new float[] { 0.5f, -1, 2, 0 }).reshape(2, 1, 1, 2);
        using var t = tensor(new long[] { 0, 999 });
        using var z = noising.AddNoise(x, eps, t);
        var v = z.data<float>().ToArray();

        double a0 = 1 - 0.00085, a1 = noising.AlphasCumprod[999];
        Assert.Equal((Math.Sqrt(a0) * 1) + (Math.Sqrt(1 - a0) * 0.5), v[0], 1e-5);
        Assert.Equal((Math.Sqrt(a0) * 2) + (Math.Sqrt(1 - a0) * -1), v[1], 1e-5);
        Assert.Equal((Math.Sqrt(a1) * 3) + (Math.Sqrt(1 - a1) * 2), v[2], 1e-5);
        Assert.Equal(Math.Sqrt(a1) * 4, v[3], 1e-5);

        var sample = noising.Noise(x, eps, t);
        Assert.Equal(v, sample.Noisy.data<float>().ToArray());
        Assert.Equal(eps.data<float>().ToArray(), sample.Target.data<float>().ToArray());
        Assert.Equal([0L, 999L], sample.ModelTimestep.data<long>().ToArray());
    }

    [Fact]
    public void FlowMatchingNoising_InterpolatesAndTargetsVelocity()
    {
        var noising = new FlowMatchingNoising();
        using var x = tensor(new float[] { 1, 2, 0, 0 }).reshape(2, 1, 1, 2);
        using var eps = tensor(new float[] { 3, -1, 1, 1 }).reshape(2, 1, 1, 2);
        using var t = tensor(new float[] { 0.25f, 0.5f });
        var s = noising.Noise(x, eps, t);

        // z = 0.75·[1, 2] + 0.25·[3, −1] = [1.5, 1.25]; z = 0.5·[1, 1]; v = ε − x.
        Assert.Equal([1.5f, 1.25f, 0.5f, 0.5f], s.Noisy.data<float>().ToArray());
        Assert.Equal([2f, -3f, 1f, 1f], s.Target.data<float>().ToArray());
        Assert.Equal([250f, 500f], s.ModelTimestep.data<float>().ToArray());
    }

    [Fact]
    public void SampleTimesteps_AreInRangeAndSeeded()
    {
        var diffusion = new DiffusionNoising();
        var flow = new FlowMatchingNoising();
        using var g1 = new Generator(3);
        using var g2 = new Generator(3);
        using var a = diffusion.SampleTimesteps(256, g1);
        using var b = diffusion.SampleTimesteps(256, g2);
        Assert.Equal(int64, a.dtype);
        Assert.True(a.min().item<long>() >= 0 && a.max().item<long>() <= 999);
        Assert.Equal(a.data<long>().ToArray(), b.data<long>().ToArray());

        using var f = flow.SampleTimesteps(256, g1);
        Assert.True(f.min().item<float>() > 0 && f.max().item<float>() < 1);
    }
}
