using System.Globalization;
using Chats.Protos.V1;

namespace Chats.Gateway.HttpApi;

/// <summary>
/// An <see cref="ImageGenerationRequest"/> as a <c>GenerateRequest</c>. Only what the JSON shape leaves open is checked
/// here (the size's form, the names of modes, schedulers and formats, a zero that would mean "default" on the wire);
/// ranges are the sampler's to judge, so both doors refuse the same requests with the same words.
/// </summary>
internal static class ImageGenerationRequestMapping
{
    public static GenerateRequest ToGrpc(ImageGenerationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.UnknownMembers?.Keys.Order(StringComparer.Ordinal).FirstOrDefault() is { } unknown)
        {
            throw Invalid(unknown, "not a member of this request (members: prompt, n, size, response_format, user, mode, guidance_scale, alpha, steps, seed, negative_prompt, scheduler; accepted and ignored: model, quality, style)");
        }

        if (request.ResponseFormat is not (null or "b64_json"))
        {
            throw Invalid("response_format", request.ResponseFormat == "url"
                ? "'url' is not supported: the gateway keeps no images to link to; use b64_json (the default)"
                : $"'{request.ResponseFormat}' is not supported; use b64_json");
        }

        var (width, height) = ParseSize(request.Size);
        var grpc = new GenerateRequest
        {
            Prompt = request.Prompt ?? string.Empty,
            NegativePrompt = request.NegativePrompt ?? string.Empty,
            Width = width,
            Height = height,
            // On the wire 0 means "the default"; an explicit 0 here is a mistake to name, not a default to apply.
            Steps = request.Steps is { } steps ? Positive("steps", steps) : 0,
            NumImages = request.N is { } n ? Positive("n", n) : 0,
            Seed = request.Seed ?? 0,
            Mode = ParseMode(request.Mode),
            Scheduler = ParseScheduler(request.Scheduler),
        };
        if (request.GuidanceScale is { } scale)
        {
            grpc.GuidanceScale = scale;
        }

        if (request.Alpha is { } alpha)
        {
            grpc.Alpha = alpha;
        }

        return grpc;
    }

    /// <summary>The mode as the API names it (<c>cfg</c>, <c>chats</c>, <c>chats_full</c>).</summary>
    public static string ModeName(GuidanceMode mode) => mode switch
    {
        GuidanceMode.Cfg => "cfg",
        GuidanceMode.Chats => "chats",
        GuidanceMode.ChatsFull => "chats_full",
        _ => "unspecified",
    };

    private static (int Width, int Height) ParseSize(string? size)
    {
        if (size is null or "auto")
        {
            return (0, 0);
        }

        int x = size.IndexOf('x', StringComparison.Ordinal);
        if (x > 0
            && int.TryParse(size.AsSpan(0, x), NumberStyles.None, CultureInfo.InvariantCulture, out int width)
            && int.TryParse(size.AsSpan(x + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int height))
        {
            return width > 0 && height > 0 ? (width, height) : throw Invalid("size", $"'{size}': width and height must be positive");
        }

        throw Invalid("size", $"'{size}' is not WIDTHxHEIGHT in pixels (e.g. 64x64)");
    }

    private static int Positive(string param, int value)
        => value > 0 ? value : throw Invalid(param, string.Create(CultureInfo.InvariantCulture, $"{value} is not positive"));

    private static GuidanceMode ParseMode(string? mode) => mode switch
    {
        null => GuidanceMode.Unspecified,
        "cfg" => GuidanceMode.Cfg,
        "chats" => GuidanceMode.Chats,
        "chats_full" => GuidanceMode.ChatsFull,
        _ => throw Invalid("mode", $"'{mode}' is not one of cfg, chats, chats_full"),
    };

    private static SchedulerType ParseScheduler(string? scheduler) => scheduler switch
    {
        null => SchedulerType.Unspecified,
        "ddim" => SchedulerType.Ddim,
        "euler_discrete" => SchedulerType.EulerDiscrete,
        "flow_match_euler" => SchedulerType.FlowMatchEuler,
        "dpm_solver_multistep" => SchedulerType.DpmSolverMultistep,
        _ => throw Invalid("scheduler", $"'{scheduler}' is not one of ddim, euler_discrete, flow_match_euler, dpm_solver_multistep"),
    };

    private static HttpApiException Invalid(string param, string problem) => new(HttpApiFailure.BadRequest(param, $"{param}: {problem}"));
}
