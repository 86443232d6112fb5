using System.CommandLine;
using Chats.Core.Guidance;
using Chats.Core.Sampling;

namespace Chats.Cli.Commands;

/// <summary>
/// The options several verbs take, declared once so a name, alias, type and default mean the same everywhere.
/// Factories rather than shared instances: a verb may word its description for what the option is there.
/// </summary>
internal static class CommonOptions
{
    /// <summary><c>--model</c> where the verb has a default: the shipped pipelines, else a tiny random-weight one.</summary>
    public static Option<string?> DefaultedModel() => new("--model", "-m")
    {
        Description = "Diffusers pipeline folder (default: models/shapes-chats; without the shipped models, a tiny random-weight CHATS pipeline created on first use).",
    };

    /// <summary><c>--model</c> where the verb needs one.</summary>
    public static Option<DirectoryInfo> Model(string description) => new("--model", "-m") { Description = description, Required = true };

    /// <summary><c>--standard-model</c>: the pipeline lending its unet to the standard (CFG) role.</summary>
    public static Option<string?> StandardModel() => new("--standard-model")
    {
        Description = "Pipeline whose unet is the standard (CFG arm) model when --model has none (default with the shipped models: models/shapes-standard).",
    };

    /// <summary><c>--redis</c> for the verbs that start the whole system.</summary>
    public static Option<string?> Redis() => new("--redis") { Description = "Redis configuration for the embedding cache (default: in-process cache)." };

    /// <summary><c>--endpoint</c>: a running gateway.</summary>
    /// <remarks>System.CommandLine 3.0 has no converter for <see cref="Uri"/>: without this parser every value was refused.</remarks>
    public static Option<Uri?> Endpoint() => new("--endpoint", "-e")
    {
        Description = "Send the requests through this gateway (http://host:port) instead of running in-process.",
        CustomParser = result =>
        {
            string text = result.Tokens[0].Value;
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
            {
                return uri;
            }

            result.AddError($"--endpoint: '{text}' is not an http:// or https:// address");
            return null;
        },
    };

    /// <summary><c>--out</c> / <c>-o</c>: what the verb writes (a file, a folder, or either).</summary>
    public static Option<T> Out<T>(string description, bool required = true) => new("--out", "-o") { Description = description, Required = required };

    /// <summary><c>--seeds</c>: a comma-separated list (<see cref="CommandLineValues.ParseList{T}"/>).</summary>
    public static Option<string> Seeds(string defaultSeeds = "0,1,2,3", string description = "Comma-separated seeds.") =>
        new("--seeds") { Description = description, DefaultValueFactory = _ => defaultSeeds };

    /// <summary><c>--prompts</c> of the lab: a ShapesEval prompt set.</summary>
    public static Option<FileInfo> PromptSet() => new("--prompts") { Description = "Prompt set JSONL ({id, category, prompt}).", Required = true };

    /// <summary><c>--images</c> of the lab: where the <c>{id}_s{seed}.png</c> images are.</summary>
    public static Option<DirectoryInfo> ImageFolder() => new("--images") { Description = "Folder of {id}_s{seed}.png images.", Required = true };

    /// <summary><c>--guidance</c> where the verb samples with a fixed scale.</summary>
    public static Option<float> GuidanceScale() => new("--guidance")
    {
        Description = "Guidance scale s, paper convention (diffusers w = s + 1).",
        DefaultValueFactory = _ => GuidanceParameters.DefaultScale,
    };

    /// <summary><c>--alpha</c>: CHATS α, or the default when not given.</summary>
    public static Option<float?> Alpha() => new("--alpha")
    {
        Description = $"CHATS α (default {GuidanceParameters.DefaultAlpha.ToString(System.Globalization.CultureInfo.InvariantCulture)}).",
    };

    /// <summary><c>--steps</c> where the verb samples in-process (the sampler's default step count).</summary>
    public static Option<int> SamplingSteps() => new("--steps")
    {
        Description = "Denoising steps (the model's default scheduler).",
        DefaultValueFactory = _ => new SamplingLimits().DefaultSteps,
    };

    /// <summary><c>--threads</c> of the trainers.</summary>
    public static Option<int?> TorchThreads() => new("--threads")
    {
        Description = "libtorch threads for training (default: libtorch's); resume bit-identically only with the same count.",
    };

    /// <summary><c>--checkpoint-every</c> of the trainers.</summary>
    public static Option<int> CheckpointEvery(int defaultSteps) => new("--checkpoint-every")
    {
        Description = "Write the checkpoint and the pipeline every this many steps (and at the end).",
        DefaultValueFactory = _ => defaultSteps,
    };
}
