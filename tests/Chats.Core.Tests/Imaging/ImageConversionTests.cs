using Chats.Core.Imaging;

namespace Chats.Core.Tests.Imaging;

public sealed class ImageConversionTests
{
    [Theory]
    [InlineData(-1f, 0)]
    [InlineData(1f, 255)]
    [InlineData(0f, 128)] // (0/2 + 0.5)·255 = 127.5: half to even gives 128
    [InlineData(-5f, 0)] // clamped
    [InlineData(3f, 255)] // clamped
    [InlineData(0.5f, 191)] // 0.75·255 = 191.25
    [InlineData(-0.5f, 64)] // 0.25·255 = 63.75
    public void PlanarSignedToRgb_MapsSignedRangeToBytes(float value, byte expected)
    {
        byte[] rgb = ImageConversion.PlanarSignedToRgb([value, value, value], 1, 1);

        Assert.Equal([expected, expected, expected], rgb);
    }

    [Fact]
    public void PlanarSignedToRgb_Infinities_AreClamped()
    {
        byte[] rgb = ImageConversion.PlanarSignedToRgb([float.NegativeInfinity, float.PositiveInfinity, -1f], 1, 1);

        Assert.Equal([0, 255, 0], rgb);
    }

    [Fact]
    public void PlanarSignedToRgb_InterleavesPlanes()
    {
        // 2×1 image, planes R = [−1, 1], G = [0, 2], B = [−3, 0.5] → pixels (0, 128, 0), (255, 255, 191).
        float[] planar = [-1f, 1f, 0f, 2f, -3f, 0.5f];

        byte[] rgb = ImageConversion.PlanarSignedToRgb(planar, 2, 1);

        Assert.Equal([0, 128, 0, 255, 255, 191], rgb);
    }

    [Fact]
    public void PlanarSignedToRgb_RowMajorPlanes_2x2()
    {
        // R plane varies per pixel, G and B are constant: pixel p = (R[p], 0, 255).
        float[] planar = [-1f, 1f, 0.5f, -0.5f, -1f, -1f, -1f, -1f, 1f, 1f, 1f, 1f];

        byte[] rgb = ImageConversion.PlanarSignedToRgb(planar, 2, 2);

        Assert.Equal([0, 0, 255, 255, 0, 255, 191, 0, 255, 64, 0, 255], rgb);
    }

    [Fact]
    public void PlanarSignedToRgb_HalfwayBelowAnEvenNumber_RoundsDown()
    {
        // 127.5 → 128 rounds up under both half-to-even and half-away-from-zero; find inputs whose
        // scaled value is exactly k + 0.5 with k even, where only half-to-even gives k.
        int found = 0;
        for (int k = 0; k < 255; k += 2)
        {
            float p = ((k + 0.5f) / 255f * 2f) - 1f;
            for (int step = 0; step < 400; step++, p = MathF.BitIncrement(p))
            {
                float scaled = ((p / 2f) + 0.5f) * 255f;
                if (scaled == k + 0.5f)
                {
                    Assert.Equal([(byte)k, (byte)k, (byte)k], ImageConversion.PlanarSignedToRgb([p, p, p], 1, 1));
                    found++;
                    break;
                }
            }
        }

        Assert.True(found > 0, "no float input lands exactly on an even k + 0.5");
    }

    [Fact]
    public void PlanarSignedToRgb_WrongLength_Throws()
    {
        Assert.Throws<ArgumentException>(() => ImageConversion.PlanarSignedToRgb(new float[5], 2, 1));
        Assert.Throws<ArgumentException>(() => ImageConversion.PlanarSignedToRgb(new float[7], 2, 1));
    }
}
