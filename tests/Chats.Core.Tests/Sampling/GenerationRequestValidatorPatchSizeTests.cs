using Chats.Core.Sampling;
using Chats.Core.Schedulers;

namespace Chats.Core.Tests.Sampling;

/// <summary>Sides of a transformer model (patch size 2) must be multiples of the spatial factor times the patch size.</summary>
public sealed class GenerationRequestValidatorPatchSizeTests
{
    private static readonly GenerationRequestValidator s_transformer = new(
        new SamplingLimits(), new ModelGeometry(16, 8, 64, 64, PredictionType.FlowVelocity, false, PatchSize: 2), SchedulerKind.FlowMatchEuler);

    private static readonly GenerationRequestInput s_valid = new("a cat", string.Empty, 0, 0, 0, 1UL, null, null, null, null, 0);

    [Theory]
    [InlineData(16)]
    [InlineData(48)]
    [InlineData(1024)]
    public void Validate_MultipleOfFactorTimesPatch_IsAccepted(int side)
    {
        var spec = s_transformer.Validate(s_valid with { Width = side, Height = side });

        Assert.Equal((side, side), (spec.Width, spec.Height));
    }

    [Theory]
    [InlineData(24, "width")]
    [InlineData(40, "width")]
    public void Validate_MultipleOfTheFactorOnly_IsRejected(int side, string field)
    {
        var e = Assert.Throws<RequestValidationException>(() => s_transformer.Validate(s_valid with { Width = side }));

        Assert.Equal(field, e.Field);
        Assert.Equal($"{side} is not a multiple of the model's spatial factor 8 × patch size 2", e.Problem);
        Assert.Equal("height", Assert.Throws<RequestValidationException>(() => s_transformer.Validate(s_valid with { Height = side })).Field);
    }

    [Fact]
    public void Validate_PatchSizeOne_KeepsTheSpatialFactorRule()
    {
        var unet = new GenerationRequestValidator(
            new SamplingLimits(), new ModelGeometry(4, 8, 64, 64, PredictionType.Epsilon, false), SchedulerKind.Ddim);

        Assert.Equal(24, unet.Validate(s_valid with { Width = 24 }).Width);
        var e = Assert.Throws<RequestValidationException>(() => unet.Validate(s_valid with { Width = 20 }));
        Assert.Equal("20 is not a multiple of the model's spatial factor 8", e.Problem);
    }
}
