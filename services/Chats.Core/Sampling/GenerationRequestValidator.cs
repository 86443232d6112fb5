using Chats.Core.Guidance;
using Chats.Core.Schedulers;

namespace Chats.Core.Sampling;

/// <summary>
/// Turns a <see cref="GenerationRequestInput"/> into a <see cref="GenerationSpec"/>, filling defaults and
/// rejecting anything the pipeline cannot run with a <see cref="RequestValidationException"/> naming the field.
/// </summary>
public sealed class GenerationRequestValidator
{
    private readonly SamplingLimits _limits;
    private readonly ModelGeometry _geometry;
    private readonly SchedulerKind _defaultScheduler;
    private readonly IReadOnlyCollection<GuidanceMode>? _availableModes;

    /// <summary>
    /// Creates a validator for one deployed pipeline; <paramref name="availableModes"/> lists the modes its
    /// denoisers can serve (null: all), so e.g. CHATS on a deployment without θ− is a clear INVALID_ARGUMENT.
    /// </summary>
    public GenerationRequestValidator(
        SamplingLimits limits, ModelGeometry geometry, SchedulerKind defaultScheduler, IReadOnlyCollection<GuidanceMode>? availableModes = null)
    {
        _limits = limits;
        _geometry = geometry;
        _defaultScheduler = defaultScheduler;
        _availableModes = availableModes;
    }

    /// <summary>Validates <paramref name="input"/>; <paramref name="fallbackMode"/> is the A/B arm's mode, if any.</summary>
    public GenerationSpec Validate(GenerationRequestInput input, GuidanceMode? fallbackMode = null)
    {
        ArgumentNullException.ThrowIfNull(input);

        if (string.IsNullOrWhiteSpace(input.Prompt))
        {
            throw new RequestValidationException("prompt", "must not be empty");
        }

        if (input.Prompt.Length > _limits.MaxPromptLength)
        {
            throw new RequestValidationException("prompt", $"is {input.Prompt.Length} characters; at most {_limits.MaxPromptLength}");
        }

        if ((input.NegativePrompt ?? string.Empty).Length > _limits.MaxPromptLength)
        {
            throw new RequestValidationException("negative_prompt", $"is longer than {_limits.MaxPromptLength} characters");
        }

        int width = ValidateSide("width", input.Width, _geometry.DefaultWidth);
        int height = ValidateSide("height", input.Height, _geometry.DefaultHeight);

        int steps = input.Steps == 0 ? _limits.DefaultSteps : input.Steps;
        if (steps < _limits.MinSteps || steps > _limits.MaxSteps)
        {
            throw new RequestValidationException("steps", $"{input.Steps} is outside [{_limits.MinSteps}, {_limits.MaxSteps}]");
        }

        GuidanceMode mode = input.Mode ?? fallbackMode ?? _limits.DefaultMode;
        if (!Enum.IsDefined(mode))
        {
            throw new RequestValidationException("mode", $"unknown mode {(int)mode}");
        }

        float scale = input.GuidanceScale ?? (_limits.DefaultGuidanceScales.TryGetValue(mode, out float modeScale) ? modeScale : GuidanceParameters.DefaultScale);
        if (!float.IsFinite(scale) || scale < 0f || scale > _limits.MaxGuidanceScale)
        {
            throw new RequestValidationException("guidance_scale", $"{scale} is not a finite value in [0, {_limits.MaxGuidanceScale}] (paper convention s; diffusers' w = s + 1)");
        }

        float alpha = input.Alpha ?? _limits.DefaultAlpha;
        if (!float.IsFinite(alpha) || alpha < _limits.MinAlpha || alpha > _limits.MaxAlpha)
        {
            throw new RequestValidationException("alpha", $"{alpha} is not a finite value in [{_limits.MinAlpha}, {_limits.MaxAlpha}]");
        }

        if (_availableModes is not null && !_availableModes.Contains(mode))
        {
            throw new RequestValidationException("mode", $"{mode} is not available on this deployment (available: {string.Join(", ", _availableModes)})");
        }

        SchedulerKind scheduler = input.Scheduler ?? _defaultScheduler;
        if (!Enum.IsDefined(scheduler))
        {
            throw new RequestValidationException("scheduler", $"unknown scheduler {(int)scheduler}");
        }

        bool flowModel = _geometry.PredictionType == PredictionType.FlowVelocity;
        if (flowModel != (scheduler == SchedulerKind.FlowMatchEuler))
        {
            throw new RequestValidationException("scheduler", $"{scheduler} cannot sample a {_geometry.PredictionType} model");
        }

        int images = input.NumImages == 0 ? 1 : input.NumImages;
        if (images < 1 || images > _limits.MaxImages)
        {
            throw new RequestValidationException("num_images", $"{input.NumImages} is outside [1, {_limits.MaxImages}]");
        }

        return new GenerationSpec(
            input.Prompt, input.NegativePrompt ?? string.Empty, width, height, steps, input.Seed,
            new GuidanceParameters(mode, scale, alpha), scheduler, images);
    }

    private int ValidateSide(string field, int value, int fallback)
    {
        int side = value == 0 ? fallback : value;
        if (side <= 0)
        {
            throw new RequestValidationException(field, $"{value} is not positive");
        }

        if (side > _limits.MaxSide)
        {
            throw new RequestValidationException(field, $"{value} exceeds the maximum {_limits.MaxSide}");
        }

        if (side % _geometry.SideMultiple != 0)
        {
            throw new RequestValidationException(
                field,
                _geometry.SideMultiple == _geometry.SpatialFactor
                    ? $"{value} is not a multiple of the model's spatial factor {_geometry.SpatialFactor}"
                    : $"{value} is not a multiple of the model's spatial factor {_geometry.SpatialFactor} × patch size {_geometry.PatchSize}");
        }

        if (_geometry.MaxLatentSide > 0 && side / _geometry.SpatialFactor > _geometry.MaxLatentSide)
        {
            throw new RequestValidationException(
                field, $"{value} exceeds this model's largest side {_geometry.MaxLatentSide * _geometry.SpatialFactor} (its position embedding covers {_geometry.MaxLatentSide} latent cells)");
        }

        return side;
    }
}
