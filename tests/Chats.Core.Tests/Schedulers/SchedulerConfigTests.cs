using Chats.Core.Schedulers;

namespace Chats.Core.Tests.Schedulers;

public sealed class SchedulerConfigTests
{
    [Theory]
    [MemberData(nameof(Folders))]
    public void Load_EveryFixtureConfig_MapsToAnImplementedKind(string folder)
    {
        SchedulerConfig config = SchedulerConfig.Load(Path.Combine(SchedulerReference.Folder(folder), "scheduler_config.json"));

        Assert.NotNull(config.ClassName);
        SchedulerKind? kind = NoiseSchedulerFactory.KindOf(config.ClassName);
        Assert.NotNull(kind);
        Assert.Equal(1000, config.NumTrainTimesteps);
        Assert.Equal(kind == SchedulerKind.FlowMatchEuler, config.PredictionType == PredictionType.FlowVelocity);
    }

    public static TheoryData<string> Folders() => [.. SchedulerReference.FolderNames()];

    [Fact]
    public void Load_DpmSolverConfig_ReadsPythonNegativeInfinity()
    {
        SchedulerConfig config = SchedulerConfig.Load(Path.Combine(SchedulerReference.Folder("dpmpp2m_karras_sd"), "scheduler_config.json"));

        Assert.Equal(double.NegativeInfinity, config.LambdaMinClipped);
        Assert.True(config.UseKarrasSigmas);
        Assert.Equal(TimestepSpacing.Linspace, config.TimestepSpacing);
        Assert.Equal(BetaSchedule.ScaledLinear, config.BetaSchedule);
        Assert.Equal(0.00085, config.BetaStart);
        Assert.Equal(0.012, config.BetaEnd);
        Assert.Equal(2, config.SolverOrder);
        Assert.Equal(DpmSolverType.Midpoint, config.SolverType);
    }

    [Fact]
    public void Load_FluxConfig_ReadsDynamicShifting()
    {
        SchedulerConfig config = SchedulerConfig.Load(Path.Combine(SchedulerReference.Folder("flowmatch_euler_flux_dynamic"), "scheduler_config.json"));

        Assert.True(config.UseDynamicShifting);
        Assert.Equal(3.0, config.Shift);
        Assert.Equal(0.5, config.BaseShift);
        Assert.Equal(1.15, config.MaxShift);
        Assert.Equal(256, config.BaseImageSeqLen);
        Assert.Equal(4096, config.MaxImageSeqLen);
        Assert.Null(config.ShiftTerminal);
        Assert.Equal(PredictionType.FlowVelocity, config.PredictionType);
    }

    [Fact]
    public void Parse_BareNonFiniteLiterals_OutsideStrings_AreNumbers()
    {
        SchedulerConfig config = SchedulerConfig.Parse(
            """{"_class_name": "NaN-Infinity", "lambda_min_clipped": Infinity, "sigma_min": NaN, "sigma_max": -Infinity}""",
            "inline");

        Assert.Equal("NaN-Infinity", config.ClassName);
        Assert.Equal(double.PositiveInfinity, config.LambdaMinClipped);
        Assert.True(double.IsNaN(config.SigmaMin!.Value));
        Assert.Equal(double.NegativeInfinity, config.SigmaMax);
    }

    [Fact]
    public void Parse_UnknownFields_AreIgnored()
    {
        SchedulerConfig config = SchedulerConfig.Parse(
            """{"_class_name": "DDIMScheduler", "some_future_option": [1, 2], "dynamic_thresholding_ratio": 0.995}""",
            "inline");

        Assert.Equal(new SchedulerConfig { ClassName = "DDIMScheduler" }, config);
    }

    [Theory]
    [InlineData("beta_schedule", "\"squaredcos_cap_v2\"")]
    [InlineData("prediction_type", "\"sample\"")]
    [InlineData("timestep_spacing", "\"karras\"")]
    [InlineData("thresholding", "true")]
    [InlineData("rescale_betas_zero_snr", "true")]
    [InlineData("trained_betas", "[0.1, 0.2]")]
    [InlineData("interpolation_type", "\"log_linear\"")]
    [InlineData("timestep_type", "\"continuous\"")]
    [InlineData("algorithm_type", "\"sde-dpmsolver++\"")]
    [InlineData("solver_order", "3")]
    [InlineData("num_train_timesteps", "\"many\"")]
    public void Parse_UnsupportedValue_NamesSourceFieldAndValue(string field, string value)
    {
        var error = Assert.Throws<InvalidDataException>(
            () => SchedulerConfig.Parse($$"""{"{{field}}": {{value}}}""", "models/x/scheduler_config.json"));

        Assert.Contains("models/x/scheduler_config.json", error.Message, StringComparison.Ordinal);
        Assert.Contains(field, error.Message, StringComparison.Ordinal);
        Assert.Contains(value, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_InvalidJson_NamesSource()
    {
        var error = Assert.Throws<InvalidDataException>(() => SchedulerConfig.Parse("{\"shift\": ", "broken.json"));

        Assert.Contains("broken.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StableDiffusionDefaults_AreTheSd15TrainingSchedule()
    {
        SchedulerConfig defaults = SchedulerConfig.StableDiffusionDefaults;

        Assert.Equal(BetaSchedule.ScaledLinear, defaults.BetaSchedule);
        Assert.Equal(0.00085, defaults.BetaStart);
        Assert.Equal(0.012, defaults.BetaEnd);
        Assert.Equal(1000, defaults.NumTrainTimesteps);
        Assert.Equal(PredictionType.Epsilon, defaults.PredictionType);
        Assert.Equal(TimestepSpacing.Leading, defaults.TimestepSpacing);
        Assert.Equal(1, defaults.StepsOffset);
    }

    [Fact]
    public void LoadForPipeline_FolderWithoutSchedulerConfig_IsTheStableDiffusionDefaults()
    {
        string folder = Directory.CreateTempSubdirectory("chats-scheduler-").FullName;
        try
        {
            Assert.Same(SchedulerConfig.StableDiffusionDefaults, SchedulerConfig.LoadForPipeline(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void LoadForPipeline_ReadsTheSchedulerSubfolder()
    {
        string folder = Directory.CreateTempSubdirectory("chats-scheduler-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(folder, "scheduler"));
            File.Copy(
                Path.Combine(SchedulerReference.Folder("dpmpp2m_karras_sd"), "scheduler_config.json"),
                Path.Combine(folder, "scheduler", "scheduler_config.json"));

            SchedulerConfig config = SchedulerConfig.LoadForPipeline(folder);

            Assert.Equal("DPMSolverMultistepScheduler", config.ClassName);
            Assert.True(config.UseKarrasSigmas);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("DDIMScheduler", SchedulerKind.Ddim)]
    [InlineData("EulerDiscreteScheduler", SchedulerKind.EulerDiscrete)]
    [InlineData("FlowMatchEulerDiscreteScheduler", SchedulerKind.FlowMatchEuler)]
    [InlineData("DPMSolverMultistepScheduler", SchedulerKind.DpmSolverMultistep)]
    public void KindOf_DiffusersClassName_IsItsKind(string className, SchedulerKind kind) =>
        Assert.Equal(kind, NoiseSchedulerFactory.KindOf(className));

    [Fact]
    public void KindOf_UnimplementedClass_IsNull() => Assert.Null(NoiseSchedulerFactory.KindOf("PNDMScheduler"));
}
