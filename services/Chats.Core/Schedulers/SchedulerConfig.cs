using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Chats.Core.Schedulers;

/// <summary>
/// A diffusers <c>scheduler_config.json</c>: the fields the published SD 1.5, SDXL, SD3 and Flux configs use.
/// Defaults are diffusers' constructor defaults. Unknown fields are ignored; known fields whose values
/// this implementation does not support make <see cref="Parse"/> throw rather than silently sample differently.
/// </summary>
public sealed record SchedulerConfig
{
    /// <summary>diffusers' <c>_class_name</c>, e.g. <c>DDIMScheduler</c>; null when absent.</summary>
    public string? ClassName { get; init; }

    /// <summary>Number of training timesteps T (<c>num_train_timesteps</c>).</summary>
    public int NumTrainTimesteps { get; init; } = 1000;

    /// <summary>First β of the training schedule (<c>beta_start</c>).</summary>
    public double BetaStart { get; init; } = 0.0001;

    /// <summary>Last β of the training schedule (<c>beta_end</c>).</summary>
    public double BetaEnd { get; init; } = 0.02;

    /// <summary>Layout of the β schedule (<c>beta_schedule</c>).</summary>
    public BetaSchedule BetaSchedule { get; init; } = BetaSchedule.Linear;

    /// <summary>What the model predicts (<c>prediction_type</c>; flow-matching configs imply <see cref="PredictionType.FlowVelocity"/>).</summary>
    public PredictionType PredictionType { get; init; } = PredictionType.Epsilon;

    /// <summary>
    /// Inference timestep spacing (<c>timestep_spacing</c>); null when absent, in which case each scheduler uses
    /// its diffusers default (DDIM: leading; Euler and DPM-Solver: linspace).
    /// </summary>
    public TimestepSpacing? TimestepSpacing { get; init; }

    /// <summary>Offset added to leading-spaced timesteps (<c>steps_offset</c>).</summary>
    public int StepsOffset { get; init; }

    /// <summary>DDIM: whether ᾱ before the first step is 1 rather than ᾱ₀ (<c>set_alpha_to_one</c>).</summary>
    public bool SetAlphaToOne { get; init; } = true;

    /// <summary>DDIM: whether the predicted x₀ is clipped to ±<see cref="ClipSampleRange"/> (<c>clip_sample</c>).</summary>
    public bool ClipSample { get; init; } = true;

    /// <summary>DDIM: the clipping bound (<c>clip_sample_range</c>).</summary>
    public double ClipSampleRange { get; init; } = 1.0;

    /// <summary>Euler / DPM-Solver: whether the σ schedule is Karras et al.'s ρ = 7 schedule (<c>use_karras_sigmas</c>).</summary>
    public bool UseKarrasSigmas { get; init; }

    /// <summary>Euler: lower end of the Karras schedule (<c>sigma_min</c>); null = the schedule's own.</summary>
    public double? SigmaMin { get; init; }

    /// <summary>Euler: upper end of the Karras schedule (<c>sigma_max</c>); null = the schedule's own.</summary>
    public double? SigmaMax { get; init; }

    /// <summary>DPM-Solver: the σ the trajectory ends at (<c>final_sigmas_type</c>; absent = diffusers 0.25 behaviour).</summary>
    public FinalSigmaType FinalSigmaType { get; init; } = FinalSigmaType.SigmaMin;

    /// <summary>DPM-Solver: the multistep order, 1 or 2 (<c>solver_order</c>).</summary>
    public int SolverOrder { get; init; } = 2;

    /// <summary>DPM-Solver: the second-order update (<c>solver_type</c>).</summary>
    public DpmSolverType SolverType { get; init; } = DpmSolverType.Midpoint;

    /// <summary>DPM-Solver: use lower-order updates at the end of trajectories under 15 steps (<c>lower_order_final</c>).</summary>
    public bool LowerOrderFinal { get; init; } = true;

    /// <summary>DPM-Solver: use a first-order (Euler) final step (<c>euler_at_final</c>).</summary>
    public bool EulerAtFinal { get; init; }

    /// <summary>DPM-Solver: lower clip of λ(t) = log α − log σ (<c>lambda_min_clipped</c>; −∞ = none).</summary>
    public double LambdaMinClipped { get; init; } = double.NegativeInfinity;

    /// <summary>Flow matching: the static shift s, σ' = sσ / (1 + (s − 1)σ) (<c>shift</c>).</summary>
    public double Shift { get; init; } = 1.0;

    /// <summary>Flow matching: shift by a resolution-dependent μ given to SetTimesteps (<c>use_dynamic_shifting</c>).</summary>
    public bool UseDynamicShifting { get; init; }

    /// <summary>Flow matching: μ at <see cref="BaseImageSeqLen"/> (<c>base_shift</c>).</summary>
    public double BaseShift { get; init; } = 0.5;

    /// <summary>Flow matching: μ at <see cref="MaxImageSeqLen"/> (<c>max_shift</c>).</summary>
    public double MaxShift { get; init; } = 1.15;

    /// <summary>Flow matching: image token count for <see cref="BaseShift"/> (<c>base_image_seq_len</c>).</summary>
    public int BaseImageSeqLen { get; init; } = 256;

    /// <summary>Flow matching: image token count for <see cref="MaxShift"/> (<c>max_image_seq_len</c>).</summary>
    public int MaxImageSeqLen { get; init; } = 4096;

    /// <summary>Flow matching: the form of the dynamic shift (<c>time_shift_type</c>).</summary>
    public TimeShiftType TimeShiftType { get; init; } = TimeShiftType.Exponential;

    /// <summary>Flow matching: stretch the shifted schedule so it ends at this σ (<c>shift_terminal</c>); null = no stretch.</summary>
    public double? ShiftTerminal { get; init; }

    /// <summary>
    /// The Stable Diffusion 1.x training schedule (scaled_linear β 0.00085…0.012, 1000 steps, ε-prediction,
    /// leading spacing, steps_offset 1, no clipping), for checkpoints that ship no scheduler config.
    /// </summary>
    public static SchedulerConfig StableDiffusionDefaults { get; } = new()
    {
        ClassName = "DDIMScheduler",
        NumTrainTimesteps = 1000,
        BetaStart = 0.00085,
        BetaEnd = 0.012,
        BetaSchedule = BetaSchedule.ScaledLinear,
        PredictionType = PredictionType.Epsilon,
        TimestepSpacing = Schedulers.TimestepSpacing.Leading,
        StepsOffset = 1,
        SetAlphaToOne = false,
        ClipSample = false,
    };

    /// <summary>Reads a <c>scheduler_config.json</c> file.</summary>
    /// <exception cref="InvalidDataException">The file is not JSON or a known field has an unsupported value.</exception>
    public static SchedulerConfig Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>
    /// The scheduler of the diffusers pipeline folder at <paramref name="pipelineFolder"/>:
    /// <c>scheduler/scheduler_config.json</c>, or <see cref="StableDiffusionDefaults"/> when the folder ships none.
    /// </summary>
    /// <remarks>Only that file is read, so it also serves hosts (the sampler) whose folder holds no <c>model_index.json</c>.</remarks>
    /// <exception cref="InvalidDataException">The file exists but is not JSON or a known field has an unsupported value.</exception>
    public static SchedulerConfig LoadForPipeline(string pipelineFolder)
    {
        ArgumentNullException.ThrowIfNull(pipelineFolder);
        string path = Path.Combine(pipelineFolder, "scheduler", "scheduler_config.json");
        return File.Exists(path) ? Load(path) : StableDiffusionDefaults;
    }

    /// <summary>Parses the text of a <c>scheduler_config.json</c>; <paramref name="sourceName"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">The text is not JSON or a known field has an unsupported value.</exception>
    public static SchedulerConfig Parse(string json, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(sourceName);

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(
                Loading.ConfigJson.QuoteNonFiniteLiterals(json),
                new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{sourceName}: not a valid scheduler config: {e.Message}", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{sourceName}: a scheduler config must be a JSON object.");
            }

            return new ConfigReader(document.RootElement, sourceName).Read();
        }
    }

    private readonly struct ConfigReader(JsonElement root, string source)
    {
        public SchedulerConfig Read()
        {
            string? className = String("_class_name");
            bool isFlow = className is not null && className.StartsWith("FlowMatch", StringComparison.Ordinal);

            RequireNull("trained_betas");
            RequireFalse("thresholding");
            RequireFalse("rescale_betas_zero_snr");
            RequireFalse("invert_sigmas");
            RequireFalse("stochastic_sampling");
            RequireFalse("use_beta_sigmas");
            RequireFalse("use_exponential_sigmas");
            RequireFalse("use_lu_lambdas");
            RequireNull("variance_type");
            RequireOneOf("interpolation_type", "linear");
            RequireOneOf("timestep_type", "discrete");
            RequireOneOf("algorithm_type", "dpmsolver++");
            if (isFlow)
            {
                RequireFalse("use_karras_sigmas");
            }

            var defaults = new SchedulerConfig();
            int solverOrder = Int("solver_order") ?? defaults.SolverOrder;
            if (solverOrder is not (1 or 2))
            {
                throw Unsupported("solver_order", solverOrder.ToString(CultureInfo.InvariantCulture));
            }

            return new SchedulerConfig
            {
                ClassName = className,
                NumTrainTimesteps = Int("num_train_timesteps") ?? defaults.NumTrainTimesteps,
                BetaStart = Double("beta_start") ?? defaults.BetaStart,
                BetaEnd = Double("beta_end") ?? defaults.BetaEnd,
                BetaSchedule = Enum("beta_schedule", defaults.BetaSchedule,
                    ("linear", BetaSchedule.Linear), ("scaled_linear", BetaSchedule.ScaledLinear)),
                PredictionType = isFlow
                    ? PredictionType.FlowVelocity
                    : Enum("prediction_type", defaults.PredictionType,
                        ("epsilon", PredictionType.Epsilon), ("v_prediction", PredictionType.VPrediction)),
                TimestepSpacing = String("timestep_spacing") is null
                    ? null
                    : Enum("timestep_spacing", Schedulers.TimestepSpacing.Leading,
                        ("leading", Schedulers.TimestepSpacing.Leading),
                        ("trailing", Schedulers.TimestepSpacing.Trailing),
                        ("linspace", Schedulers.TimestepSpacing.Linspace)),
                StepsOffset = Int("steps_offset") ?? defaults.StepsOffset,
                SetAlphaToOne = Bool("set_alpha_to_one") ?? defaults.SetAlphaToOne,
                ClipSample = Bool("clip_sample") ?? defaults.ClipSample,
                ClipSampleRange = Double("clip_sample_range") ?? defaults.ClipSampleRange,
                UseKarrasSigmas = Bool("use_karras_sigmas") ?? defaults.UseKarrasSigmas,
                SigmaMin = Double("sigma_min"),
                SigmaMax = Double("sigma_max"),
                FinalSigmaType = Enum("final_sigmas_type", defaults.FinalSigmaType,
                    ("sigma_min", FinalSigmaType.SigmaMin), ("zero", FinalSigmaType.Zero)),
                SolverOrder = solverOrder,
                SolverType = Enum("solver_type", defaults.SolverType,
                    ("midpoint", DpmSolverType.Midpoint), ("heun", DpmSolverType.Heun)),
                LowerOrderFinal = Bool("lower_order_final") ?? defaults.LowerOrderFinal,
                EulerAtFinal = Bool("euler_at_final") ?? defaults.EulerAtFinal,
                LambdaMinClipped = Double("lambda_min_clipped") ?? defaults.LambdaMinClipped,
                Shift = Double("shift") ?? defaults.Shift,
                UseDynamicShifting = Bool("use_dynamic_shifting") ?? defaults.UseDynamicShifting,
                BaseShift = Double("base_shift") ?? defaults.BaseShift,
                MaxShift = Double("max_shift") ?? defaults.MaxShift,
                BaseImageSeqLen = Int("base_image_seq_len") ?? defaults.BaseImageSeqLen,
                MaxImageSeqLen = Int("max_image_seq_len") ?? defaults.MaxImageSeqLen,
                TimeShiftType = Enum("time_shift_type", defaults.TimeShiftType,
                    ("exponential", TimeShiftType.Exponential), ("linear", TimeShiftType.Linear)),
                ShiftTerminal = Double("shift_terminal"),
            };
        }

        private JsonElement? Value(string name) =>
            root.TryGetProperty(name, out JsonElement value) && value.ValueKind != JsonValueKind.Null ? value : null;

        private string? String(string name)
        {
            JsonElement? value = Value(name);
            return value is null ? null
                : value.Value.ValueKind == JsonValueKind.String ? value.Value.GetString()
                : throw Unsupported(name, value.Value.GetRawText());
        }

        private bool? Bool(string name)
        {
            JsonElement? value = Value(name);
            return value?.ValueKind switch
            {
                null => null,
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw Unsupported(name, value.Value.GetRawText()),
            };
        }

        private int? Int(string name)
        {
            JsonElement? value = Value(name);
            return value is null ? null
                : value.Value.ValueKind == JsonValueKind.Number && value.Value.TryGetInt32(out int result) ? result
                : throw Unsupported(name, value.Value.GetRawText());
        }

        private double? Double(string name)
        {
            JsonElement? value = Value(name);
            if (value is null)
            {
                return null;
            }

            if (value.Value.ValueKind == JsonValueKind.Number)
            {
                return value.Value.GetDouble();
            }

            return value.Value.ValueKind == JsonValueKind.String ? value.Value.GetString() switch
            {
                "Infinity" => double.PositiveInfinity,
                "-Infinity" => double.NegativeInfinity,
                "NaN" => double.NaN,
                _ => throw Unsupported(name, value.Value.GetRawText()),
            }
            : throw Unsupported(name, value.Value.GetRawText());
        }

        private T Enum<T>(string name, T fallback, params ReadOnlySpan<(string Text, T Value)> choices)
        {
            string? text = String(name);
            if (text is null)
            {
                return fallback;
            }

            foreach ((string choice, T value) in choices)
            {
                if (choice == text)
                {
                    return value;
                }
            }

            throw Unsupported(name, $"\"{text}\"");
        }

        private void RequireNull(string name)
        {
            JsonElement? value = Value(name);
            if (value is not null)
            {
                throw Unsupported(name, value.Value.GetRawText());
            }
        }

        private void RequireFalse(string name)
        {
            if (Bool(name) == true)
            {
                throw Unsupported(name, "true");
            }
        }

        private void RequireOneOf(string name, string supported)
        {
            string? text = String(name);
            if (text is not null && text != supported)
            {
                throw Unsupported(name, $"\"{text}\"");
            }
        }

        private InvalidDataException Unsupported(string name, string value) =>
            new($"{source}: scheduler config field '{name}' has the unsupported value {value}.");
    }
}
