using static TorchSharp.torch;

namespace Chats.Inference.Models.Common;

/// <summary>diffusers' <c>Timesteps</c>: the sinusoidal embedding of <c>get_timestep_embedding</c> (no parameters).</summary>
internal sealed class Timesteps : nn.Module<Tensor, Tensor>
{
    private readonly int _numChannels;
    private readonly bool _flipSinToCos;
    private readonly double _downscaleFreqShift;

    public Timesteps(int numChannels, bool flipSinToCos, double downscaleFreqShift)
        : base(nameof(Timesteps))
    {
        _numChannels = numChannels;
        _flipSinToCos = flipSinToCos;
        _downscaleFreqShift = downscaleFreqShift;
    }

    /// <param name="input">1-d timesteps, one per row.</param>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        const double maxPeriod = 10000;
        int half = _numChannels / 2;
        var exponent = arange(0, half, dtype: ScalarType.Float32, device: input.device) * (float)-Math.Log(maxPeriod);
        exponent = exponent / (float)(half - _downscaleFreqShift);
        var freqs = exp(exponent);
        var emb = input[.., TensorIndex.None].to(ScalarType.Float32) * freqs[TensorIndex.None, ..];
        emb = cat([sin(emb), cos(emb)], -1);
        if (_flipSinToCos)
        {
            emb = cat([emb[.., half..], emb[.., ..half]], -1);
        }

        if (_numChannels % 2 == 1)
        {
            emb = nn.functional.pad(emb, [0, 1, 0, 0]);
        }

        return emb.MoveToOuterDisposeScope();
    }
}
