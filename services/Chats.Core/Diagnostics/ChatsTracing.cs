using System.Diagnostics;

namespace Chats.Core.Diagnostics;

/// <summary>
/// The <c>Chats</c> activity source and the names of its spans and tags: one trace per generation, <c>generate</c> in
/// the sampler with <c>encode</c>, one <c>step</c> per denoising step (a <c>denoise</c> child per denoiser role) and
/// <c>decode</c> under it. Plain <see cref="System.Diagnostics"/>: with no listener (no exporter configured)
/// <see cref="ActivitySource.StartActivity(string, ActivityKind)"/> returns null and a span costs nothing.
/// </summary>
/// <remarks>Prompts are never a tag: traces leave the process, and a prompt is the user's data.</remarks>
public static class ChatsTracing
{
    /// <summary>The activity source name (what an OpenTelemetry tracer or an ActivityListener subscribes to).</summary>
    public const string SourceName = "Chats";

    /// <summary>The source every Chats span starts from.</summary>
    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>One generation in the sampler.</summary>
    public const string Generate = "generate";

    /// <summary>Encoding the prompts (text-encoder call).</summary>
    public const string Encode = "encode";

    /// <summary>One denoising step.</summary>
    public const string Step = "step";

    /// <summary>One denoiser role's prediction for one step (client side in the sampler, server side in the denoiser).</summary>
    public const string Denoise = "denoise";

    /// <summary>
    /// One step as the denoiser serves it (queue wait and forward pass), a child of the session's server span: a
    /// session is one long stream, and these show each step inside it.
    /// </summary>
    public const string DenoiserStep = "denoiser step";

    /// <summary>Decoding the latents into images.</summary>
    public const string Decode = "decode";

    /// <summary>Tag: the generation id (as in GenerationStarted).</summary>
    public const string GenerationIdTag = "chats.generation_id";

    /// <summary>Tag: the guidance mode (cfg, chats, chats_full).</summary>
    public const string ModeTag = "chats.mode";

    /// <summary>Tag: the A/B arm.</summary>
    public const string ArmTag = "chats.arm";

    /// <summary>Tag: the number of denoising steps.</summary>
    public const string StepsTag = "chats.steps";

    /// <summary>Tag: the image size, WxH.</summary>
    public const string SizeTag = "chats.size";

    /// <summary>Tag: images in the request.</summary>
    public const string ImagesTag = "chats.images";

    /// <summary>Tag: the step index (0-based).</summary>
    public const string StepIndexTag = "chats.step.index";

    /// <summary>Tag: the denoiser role (preferred, dispreferred, standard).</summary>
    public const string RoleTag = "chats.denoiser.role";

    /// <summary>Tag: the denoiser session id.</summary>
    public const string SessionIdTag = "chats.session_id";

    /// <summary>
    /// Marks <paramref name="activity"/> failed with the exception's type and message and returns false: written as an
    /// exception filter (<c>catch (Exception e) when (ChatsTracing.Failed(activity, e))</c>) it records the failure on
    /// the span without catching it.
    /// </summary>
    public static bool Failed(Activity? activity, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (activity is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error, exception.Message);
            activity.SetTag("error.type", exception.GetType().FullName);
        }

        return false;
    }
}
