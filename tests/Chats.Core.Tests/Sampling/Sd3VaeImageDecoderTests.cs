using Chats.Core.Tensors;
using Chats.Inference.Roles;
using Chats.Inference.Tensors;
using Chats.Training.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Chats.Core.Tests.Sampling;

/// <summary>
/// The decoder role on the SD3 fixtures: the final latents of the CFG and CHATS cases, unscaled and unshifted by the
/// role (latents / scaling_factor + shift_factor), give diffusers' decoded image and its uint8 quantisation.
/// </summary>
[Collection("TorchSharp")]
public sealed class Sd3VaeImageDecoderTests
{
    private const double ImageTolerance = 1e-4;
    private const int PixelTolerance = 1;

    [Theory]
    [InlineData("tiny-sd3", 16, 2)]
    [InlineData("tiny-chats-sd3", 16, 2)]
    public void Geometry_ComesFromTheVaeConfig(string pipeline, int channels, int factor)
    {
        using var decoder = VaeImageDecoderModel.Load(Path.Combine(FixturePaths.DiffusersReferenceSd3, pipeline));

        Assert.Equal((channels, factor), (decoder.LatentChannels, decoder.SpatialFactor));
    }

    [Theory]
    [InlineData("tiny-sd3", "cfg_b1.safetensors")]
    [InlineData("tiny-sd3", "cfg_b2_nonsquare.safetensors")]
    [InlineData("tiny-chats-sd3", "chats_b1.safetensors")]
    [InlineData("tiny-chats-sd3", "chats_b2_nonsquare.safetensors")]
    public async Task FinalLatents_DecodeToDiffusersImage(string pipeline, string caseFile)
    {
        var ct = TestContext.Current.CancellationToken;
        using var decoder = VaeImageDecoderModel.Load(Path.Combine(FixturePaths.DiffusersReferenceSd3, pipeline));
        var tensors = TorchSharp.PyBridge.Safetensors.LoadStateDict(Path.Combine(FixturePaths.DiffusersReferenceSd3, pipeline, "cases", caseFile));
        try
        {
            HostTensor latents;
            using (var last = tensors["latents"][-1])
            {
                latents = TorchTensorCodec.ToHost(last.contiguous());
            }

            var raw = await decoder.DecodeAsync(latents, ct);
            var pngs = await decoder.DecodeToPngAsync(latents, ct);

            using var decoded = TorchTensorCodec.FromHost(raw).div(2).add(0.5).clamp(0, 1);
            double imageErr = Models.ModelCases.MaxAbsError(decoded, tensors["image_decoded"]);

            using var expectedUint8 = tensors["image_uint8"].to(ScalarType.Int32);
            int batch = (int)expectedUint8.shape[0], height = (int)expectedUint8.shape[1], width = (int)expectedUint8.shape[2];
            Assert.Equal(batch, pngs.Count);
            int worstPixel = 0;
            for (int b = 0; b < batch; b++)
            {
                var image = RgbImageDecoder.Decode(pngs[b]);
                Assert.Equal((width, height), (image.Width, image.Height));
                using var expected = expectedUint8[b].flatten();
                int[] expectedRgb = expected.data<int>().ToArray();
                for (int i = 0; i < expectedRgb.Length; i++)
                {
                    worstPixel = Math.Max(worstPixel, Math.Abs(image.Rgb[i] - expectedRgb[i]));
                }
            }

            Models.ModelCases.Log($"sd3 decoder {pipeline} {caseFile} image_decoded max_abs={imageErr:E3} image_uint8 max_diff={worstPixel}");
            Assert.True(imageErr <= ImageTolerance, $"{caseFile}: image_decoded max abs error {imageErr:E3} > {ImageTolerance:E0}");
            Assert.True(worstPixel <= PixelTolerance, $"{caseFile}: image_uint8 differs by {worstPixel} > {PixelTolerance}");
        }
        finally
        {
            Models.ModelCases.Dispose(tensors);
        }
    }

    [Fact]
    public async Task Decode_AddsTheShiftFactorAfterUnscaling()
    {
        // Decoding z must equal the network's decode of z / scaling_factor + shift_factor; without the shift it would not.
        var ct = TestContext.Current.CancellationToken;
        using var decoder = VaeImageDecoderModel.Load(Path.Combine(FixturePaths.DiffusersReferenceSd3, "tiny-sd3"));
        var config = decoder.Network.Config;
        var latents = new HostTensor(GaussianNoiseData(16 * 4 * 6), [1, 16, 4, 6]);

        var raw = await decoder.DecodeAsync(latents, ct);

        using var mode = torch.inference_mode();
        using var z = TorchTensorCodec.FromHost(latents);
        using var shifted = z.div(config.ScalingFactor).add(config.ShiftFactor!.Value);
        using var unshifted = z.div(config.ScalingFactor);
        using var expected = decoder.Network.decode(shifted);
        using var withoutShift = decoder.Network.decode(unshifted);
        using var actual = TorchTensorCodec.FromHost(raw);
        Assert.True(actual.eq(expected).all().item<bool>());
        Assert.False(actual.eq(withoutShift).all().item<bool>());
    }

    private static float[] GaussianNoiseData(int count) => Core.Sampling.GaussianNoise.Sample(count, 5);
}
