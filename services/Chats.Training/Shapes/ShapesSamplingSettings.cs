using System.Globalization;
using Chats.Core.Guidance;
using Chats.Core.Schedulers;

namespace Chats.Training.Shapes;

/// <summary>How the lab samples a model: guidance mode, scale s (paper convention, diffusers w = s + 1), α, steps, scheduler.</summary>
/// <param name="Mode">CFG, CHATS (proxy prompt) or CHATS full.</param>
/// <param name="GuidanceScale">s.</param>
/// <param name="Alpha">α of the CHATS modes (ignored by CFG); null for the default.</param>
/// <param name="Steps">Denoising steps.</param>
/// <param name="Scheduler">Scheduler; null for the pipeline's own.</param>
public sealed record ShapesSamplingSettings(GuidanceMode Mode, float GuidanceScale, float? Alpha, int Steps, SchedulerKind? Scheduler = null)
{
    /// <summary>One line for logs and docs.</summary>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"mode {Mode}, s {GuidanceScale}, alpha {(Mode == GuidanceMode.Cfg ? "-" : (Alpha ?? GuidanceParameters.DefaultAlpha).ToString(CultureInfo.InvariantCulture))}, {Steps} steps, scheduler {(Scheduler?.ToString() ?? "pipeline default")}");
}
