using Chats.Core.Sampling;
using Chats.Core.Schedulers;
using Chats.Protos.V1;
using Chats.ServiceDefaults;

namespace Chats.Sampler;

/// <summary>Maps sampler messages to Core types; unknown enum values become INVALID_ARGUMENT naming the field.</summary>
internal static class SamplerRequestMapping
{
    public static GenerationRequestInput ToInput(GenerateRequest request) => new(
        request.Prompt,
        request.NegativePrompt,
        request.Width,
        request.Height,
        request.Steps,
        request.Seed,
        request.HasGuidanceScale ? request.GuidanceScale : null,
        request.HasAlpha ? request.Alpha : null,
        request.Mode switch
        {
            GuidanceMode.Unspecified => null,
            GuidanceMode.Cfg => Core.Guidance.GuidanceMode.Cfg,
            GuidanceMode.Chats => Core.Guidance.GuidanceMode.Chats,
            GuidanceMode.ChatsFull => Core.Guidance.GuidanceMode.ChatsFull,
            _ => throw new RequestValidationException("mode", $"unknown mode {(int)request.Mode}"),
        },
        request.Scheduler switch
        {
            SchedulerType.Unspecified => null,
            SchedulerType.Ddim => SchedulerKind.Ddim,
            SchedulerType.EulerDiscrete => SchedulerKind.EulerDiscrete,
            SchedulerType.FlowMatchEuler => SchedulerKind.FlowMatchEuler,
            SchedulerType.DpmSolverMultistep => SchedulerKind.DpmSolverMultistep,
            _ => throw new RequestValidationException("scheduler", $"unknown scheduler {(int)request.Scheduler}"),
        },
        request.NumImages);

    public static Core.Guidance.GuidanceMode? ParseArmMode(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" => null,
        "cfg" => Core.Guidance.GuidanceMode.Cfg,
        "chats" => Core.Guidance.GuidanceMode.Chats,
        "chats_full" or "chats-full" => Core.Guidance.GuidanceMode.ChatsFull,
        _ => throw new RequestValidationException(ArmHeaders.Mode, $"unknown mode '{value}'"),
    };

    public static string ModeName(Core.Guidance.GuidanceMode mode) => mode switch
    {
        Core.Guidance.GuidanceMode.Cfg => "cfg",
        Core.Guidance.GuidanceMode.Chats => "chats",
        _ => "chats_full",
    };

    public static GuidanceMode ToProto(Core.Guidance.GuidanceMode mode) => mode switch
    {
        Core.Guidance.GuidanceMode.Cfg => GuidanceMode.Cfg,
        Core.Guidance.GuidanceMode.Chats => GuidanceMode.Chats,
        _ => GuidanceMode.ChatsFull,
    };

    public static SchedulerType ToProto(SchedulerKind kind) => kind switch
    {
        SchedulerKind.Ddim => SchedulerType.Ddim,
        SchedulerKind.EulerDiscrete => SchedulerType.EulerDiscrete,
        SchedulerKind.DpmSolverMultistep => SchedulerType.DpmSolverMultistep,
        _ => SchedulerType.FlowMatchEuler,
    };
}
