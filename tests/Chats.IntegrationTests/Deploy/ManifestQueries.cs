using System.Text.Json.Nodes;

namespace Chats.IntegrationTests.Deploy;

/// <summary>Reading rendered Kubernetes objects: kinds, pod specs, containers, env, and label selector matching.</summary>
internal static class ManifestQueries
{
    public static IEnumerable<JsonObject> OfKind(this IEnumerable<JsonObject> objects, string kind) => objects.Where(o => (string?)o["kind"] == kind);

    public static string Name(this JsonObject o) => (string)o["metadata"]!["name"]!;

    public static JsonObject Named(this IEnumerable<JsonObject> objects, string kind, string name)
        => objects.OfKind(kind).SingleOrDefault(o => o.Name() == name) ?? throw new Xunit.Sdk.XunitException($"no {kind} {name} in the rendered objects");

    public static JsonObject PodSpec(this JsonObject deployment) => deployment["spec"]!["template"]!["spec"]!.AsObject();

    public static Dictionary<string, string> PodLabels(this JsonObject deployment)
        => deployment["spec"]!["template"]!["metadata"]!["labels"]!.AsObject().ToDictionary(p => p.Key, p => (string)p.Value!);

    public static IEnumerable<JsonObject> Containers(this JsonObject podSpec, bool withInit = true)
        => (withInit ? podSpec["initContainers"]?.AsArray() ?? [] : []).Concat(podSpec["containers"]!.AsArray()).Select(c => c!.AsObject());

    public static JsonObject MainContainer(this JsonObject deployment) => deployment.PodSpec()["containers"]![0]!.AsObject();

    public static IReadOnlyList<JsonObject> Env(this JsonObject container) => [.. (container["env"]?.AsArray() ?? []).Select(e => e!.AsObject())];

    public static string? EnvValue(this JsonObject container, string name) => (string?)container.Env().LastOrDefault(e => (string?)e["name"] == name)?["value"];

    public static IEnumerable<string> EnvFromNames(this JsonObject container, string refKind)
        => (container["envFrom"]?.AsArray() ?? []).Select(e => (string?)e?[refKind]?["name"]).OfType<string>();

    /// <summary>Kubernetes LabelSelector semantics: every matchLabels pair and every matchExpressions requirement holds.</summary>
    public static bool Selects(this JsonNode? selector, IReadOnlyDictionary<string, string> labels)
    {
        if (selector is null)
        {
            return true;
        }

        foreach (var (key, value) in selector["matchLabels"]?.AsObject() ?? [])
        {
            if (!labels.TryGetValue(key, out string? actual) || actual != (string?)value)
            {
                return false;
            }
        }

        foreach (var expression in selector["matchExpressions"]?.AsArray() ?? [])
        {
            string key = (string)expression!["key"]!;
            var values = (expression["values"]?.AsArray() ?? []).Select(v => (string)v!).ToHashSet();
            bool has = labels.TryGetValue(key, out string? actual);
            bool holds = (string)expression["operator"]! switch
            {
                "In" => has && values.Contains(actual!),
                "NotIn" => !has || !values.Contains(actual!),
                "Exists" => has,
                "DoesNotExist" => !has,
                var op => throw new Xunit.Sdk.XunitException($"unknown selector operator {op}"),
            };
            if (!holds)
            {
                return false;
            }
        }

        return true;
    }

    public static bool IsEmptySelector(this JsonNode? selector)
        => selector is JsonObject o && (o["matchLabels"]?.AsObject().Count ?? 0) == 0 && (o["matchExpressions"]?.AsArray().Count ?? 0) == 0;
}
