using System.Text.Json;
using System.Text.Json.Serialization;

namespace Chats.Gateway.HttpApi;

/// <summary>
/// The body of <c>POST /v1/images/generations</c> and <c>POST /v1/generations:stream</c>: OpenAI's image generation
/// request (<c>prompt</c>, <c>n</c>, <c>size</c>, <c>response_format</c>, <c>user</c>) plus the CHATS controls. JSON
/// names are snake_case; members that are absent take the sampler's defaults.
/// </summary>
public sealed record ImageGenerationRequest
{
    /// <summary>The prompt (required; the sampler refuses an empty one).</summary>
    public string? Prompt { get; init; }

    /// <summary>Images to generate (1 when absent); image k uses <c>seed + k</c>.</summary>
    public int? N { get; init; }

    /// <summary><c>WIDTHxHEIGHT</c> in pixels, e.g. <c>64x64</c>; absent or <c>auto</c> is the model's default.</summary>
    public string? Size { get; init; }

    /// <summary>Only <c>b64_json</c> (the default): the gateway keeps no images to serve as URLs.</summary>
    public string? ResponseFormat { get; init; }

    /// <summary>The end user: the A/B client key (sent as the gateway's client-key header), so a user keeps one arm.</summary>
    public string? User { get; init; }

    /// <summary><c>cfg</c>, <c>chats</c> or <c>chats_full</c>; absent lets the A/B split choose.</summary>
    public string? Mode { get; init; }

    /// <summary>Guidance s in the paper's convention (diffusers' w = s + 1).</summary>
    public float? GuidanceScale { get; init; }

    /// <summary>CHATS α.</summary>
    public float? Alpha { get; init; }

    /// <summary>Denoising steps.</summary>
    public int? Steps { get; init; }

    /// <summary>Seed of the initial noise (0 when absent).</summary>
    public ulong? Seed { get; init; }

    /// <summary>The ∅ of the guidance formulas; absent is the encoded empty prompt.</summary>
    public string? NegativePrompt { get; init; }

    /// <summary><c>ddim</c>, <c>euler_discrete</c>, <c>flow_match_euler</c> or <c>dpm_solver_multistep</c>; absent is the model's own.</summary>
    public string? Scheduler { get; init; }

    /// <summary>OpenAI's model name: accepted and ignored (the deployment serves one pipeline).</summary>
    public string? Model { get; init; }

    /// <summary>OpenAI's quality: accepted and ignored.</summary>
    public string? Quality { get; init; }

    /// <summary>OpenAI's style: accepted and ignored.</summary>
    public string? Style { get; init; }

    /// <summary>Members this API does not know, kept only to be refused by name (a typo such as <c>guidence_scale</c> is not ignored).</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? UnknownMembers { get; set; }
}
