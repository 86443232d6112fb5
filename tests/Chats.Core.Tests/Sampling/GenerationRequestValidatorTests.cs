using Chats.Core.Guidance;
using Chats.Core.Sampling;
using Chats.Core.Schedulers;

namespace Chats.Core.Tests.Sampling;

public sealed class GenerationRequestValidatorTests
{
    private static readonly ModelGeometry s_epsilonGeometry = new(4, 8, 64, 48, PredictionType.Epsilon, false);
    private static readonly ModelGeometry s_flowGeometry = new(16, 8, 64, 64, PredictionType.FlowVelocity, false);

    private static readonly GenerationRequestValidator s_validator = new(new SamplingLimits(), s_epsilonGeometry, SchedulerKind.Ddim);

    private static readonly GenerationRequestInput s_valid = new(
        "a photo of a cat", string.Empty, 0, 0, 0, 42UL, null, null, null, null, 0);

    private static RequestValidationException Rejects(GenerationRequestInput input, GenerationRequestValidator? validator = null)
        => Assert.Throws<RequestValidationException>(() => (validator ?? s_validator).Validate(input));

    [Fact]
    public void Validate_AllDefaults_FillsEveryDefault()
    {
        GenerationSpec spec = s_validator.Validate(s_valid);

        Assert.Equal("a photo of a cat", spec.Prompt);
        Assert.Equal(string.Empty, spec.NegativePrompt);
        Assert.Equal(64, spec.Width);
        Assert.Equal(48, spec.Height);
        Assert.Equal(20, spec.Steps);
        Assert.Equal(42UL, spec.Seed);
        Assert.Equal(new GuidanceParameters(GuidanceMode.Chats, 5f, 0.5f), spec.Guidance);
        Assert.Equal(SchedulerKind.Ddim, spec.Scheduler);
        Assert.Equal(1, spec.NumImages);
    }

    [Fact]
    public void Validate_ExplicitValues_AreKept()
    {
        GenerationSpec spec = s_validator.Validate(s_valid with
        {
            NegativePrompt = "blurry",
            Width = 512,
            Height = 2048,
            Steps = 150,
            GuidanceScale = 0f,
            Alpha = 2f,
            Mode = GuidanceMode.ChatsFull,
            Scheduler = SchedulerKind.EulerDiscrete,
            NumImages = 4,
        });

        Assert.Equal("blurry", spec.NegativePrompt);
        Assert.Equal(512, spec.Width);
        Assert.Equal(2048, spec.Height);
        Assert.Equal(150, spec.Steps);
        Assert.Equal(new GuidanceParameters(GuidanceMode.ChatsFull, 0f, 2f), spec.Guidance);
        Assert.Equal(SchedulerKind.EulerDiscrete, spec.Scheduler);
        Assert.Equal(4, spec.NumImages);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("\t\n  ")]
    public void Validate_EmptyOrWhitespacePrompt_RejectsPrompt(string prompt)
    {
        Assert.Equal("prompt", Rejects(s_valid with { Prompt = prompt }).Field);
    }

    [Fact]
    public void Validate_TooLongPrompt_RejectsPrompt()
    {
        Assert.Equal("prompt", Rejects(s_valid with { Prompt = new string('a', 2001) }).Field);
        Assert.Equal("negative_prompt", Rejects(s_valid with { NegativePrompt = new string('a', 2001) }).Field);
    }

    [Theory]
    [InlineData(-8)]
    [InlineData(-1)]
    [InlineData(100)] // not a multiple of 8
    [InlineData(7)]
    [InlineData(2056)] // a multiple of 8 above MaxSide = 2048
    [InlineData(int.MaxValue)]
    public void Validate_BadWidth_RejectsWidth(int width)
    {
        Assert.Equal("width", Rejects(s_valid with { Width = width }).Field);
    }

    [Theory]
    [InlineData(-8)]
    [InlineData(100)]
    [InlineData(2056)]
    public void Validate_BadHeight_RejectsHeight(int height)
    {
        Assert.Equal("height", Rejects(s_valid with { Height = height }).Field);
    }

    [Theory]
    [InlineData(8)]
    [InlineData(2048)]
    public void Validate_SideAtTheBounds_IsAccepted(int side)
    {
        GenerationSpec spec = s_validator.Validate(s_valid with { Width = side, Height = side });

        Assert.Equal(side, spec.Width);
        Assert.Equal(side, spec.Height);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(151)]
    [InlineData(int.MinValue)]
    public void Validate_StepsOutOfRange_RejectsSteps(int steps)
    {
        Assert.Equal("steps", Rejects(s_valid with { Steps = steps }).Field);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(150)]
    public void Validate_StepsAtTheBounds_AreAccepted(int steps)
    {
        Assert.Equal(steps, s_validator.Validate(s_valid with { Steps = steps }).Steps);
    }

    [Fact]
    public void Validate_StepsZero_UsesTheLimitsDefault()
    {
        var validator = new GenerationRequestValidator(new SamplingLimits { DefaultSteps = 33 }, s_epsilonGeometry, SchedulerKind.Ddim);

        Assert.Equal(33, validator.Validate(s_valid).Steps);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    [InlineData(-0.5f)]
    [InlineData(30.001f)]
    [InlineData(1e6f)]
    public void Validate_BadGuidanceScale_RejectsGuidanceScale(float scale)
    {
        Assert.Equal("guidance_scale", Rejects(s_valid with { GuidanceScale = scale }).Field);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(-0.1f)]
    [InlineData(2.5f)]
    public void Validate_BadAlpha_RejectsAlpha(float alpha)
    {
        Assert.Equal("alpha", Rejects(s_valid with { Alpha = alpha }).Field);
    }

    [Fact]
    public void Validate_UndefinedMode_RejectsMode()
    {
        Assert.Equal("mode", Rejects(s_valid with { Mode = (GuidanceMode)99 }).Field);
    }

    [Fact]
    public void Validate_UndefinedFallbackMode_RejectsMode()
    {
        var ex = Assert.Throws<RequestValidationException>(() => s_validator.Validate(s_valid, (GuidanceMode)99));

        Assert.Equal("mode", ex.Field);
    }

    [Fact]
    public void Validate_UndefinedScheduler_RejectsScheduler()
    {
        Assert.Equal("scheduler", Rejects(s_valid with { Scheduler = (SchedulerKind)99 }).Field);
    }

    [Fact]
    public void Validate_FlowMatchEulerOnEpsilonModel_RejectsScheduler()
    {
        Assert.Equal("scheduler", Rejects(s_valid with { Scheduler = SchedulerKind.FlowMatchEuler }).Field);
    }

    [Theory]
    [InlineData(SchedulerKind.Ddim)]
    [InlineData(SchedulerKind.EulerDiscrete)]
    [InlineData(SchedulerKind.DpmSolverMultistep)]
    public void Validate_EpsilonSchedulerOnFlowModel_RejectsScheduler(SchedulerKind scheduler)
    {
        var flow = new GenerationRequestValidator(new SamplingLimits(), s_flowGeometry, SchedulerKind.FlowMatchEuler);

        Assert.Equal("scheduler", Rejects(s_valid with { Scheduler = scheduler }, flow).Field);
        Assert.Equal(SchedulerKind.FlowMatchEuler, flow.Validate(s_valid).Scheduler);
    }

    [Fact]
    public void Validate_NumImagesZero_MeansOne()
    {
        Assert.Equal(1, s_validator.Validate(s_valid with { NumImages = 0 }).NumImages);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(-1)]
    public void Validate_NumImagesOutOfRange_RejectsNumImages(int images)
    {
        Assert.Equal("num_images", Rejects(s_valid with { NumImages = images }).Field);
    }

    [Fact]
    public void Validate_RequestMode_BeatsFallbackMode()
    {
        GenerationSpec spec = s_validator.Validate(s_valid with { Mode = GuidanceMode.Cfg }, GuidanceMode.ChatsFull);

        Assert.Equal(GuidanceMode.Cfg, spec.Guidance.Mode);
    }

    [Fact]
    public void Validate_FallbackMode_BeatsDefaultMode()
    {
        // The default is Chats; the A/B arm's ChatsFull must win when the request names none.
        GenerationSpec spec = s_validator.Validate(s_valid, GuidanceMode.ChatsFull);

        Assert.Equal(GuidanceMode.ChatsFull, spec.Guidance.Mode);
    }

    [Fact]
    public void Validate_NoModeAnywhere_UsesTheLimitsDefault()
    {
        var validator = new GenerationRequestValidator(new SamplingLimits { DefaultMode = GuidanceMode.Cfg }, s_epsilonGeometry, SchedulerKind.Ddim);

        Assert.Equal(GuidanceMode.Cfg, validator.Validate(s_valid).Guidance.Mode);
        Assert.Equal(GuidanceMode.Chats, s_validator.Validate(s_valid).Guidance.Mode);
    }

    [Fact]
    public void RequestValidationException_CarriesFieldAndProblem()
    {
        RequestValidationException ex = Rejects(s_valid with { Steps = 151 });

        Assert.Equal("steps", ex.ParamName);
        Assert.False(string.IsNullOrEmpty(ex.Problem));
        Assert.StartsWith("steps: ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ModeTheDeploymentCannotServe_NamesModeAndWhatIsAvailable()
    {
        var cfgOnly = new GenerationRequestValidator(new SamplingLimits(), s_epsilonGeometry, SchedulerKind.Ddim, [GuidanceMode.Cfg]);

        RequestValidationException ex = Rejects(s_valid with { Mode = GuidanceMode.Chats }, cfgOnly);

        Assert.Equal("mode", ex.Field);
        Assert.Contains("Cfg", ex.Problem, StringComparison.Ordinal);
        Assert.Equal(GuidanceMode.Cfg, cfgOnly.Validate(s_valid with { Mode = GuidanceMode.Cfg }).Guidance.Mode);
    }
}
