using System.Text.Json;

namespace Chats.Core.Loading;

/// <summary>
/// A diffusers pipeline folder: <c>model_index.json</c> naming the components, one sub-folder each.
/// Role services open the folder and load only the components they serve.
/// </summary>
public sealed class DiffusersPipelineFolder
{
    private readonly Dictionary<string, (string Library, string ClassName)> _components;

    private DiffusersPipelineFolder(
        string root, string className, Dictionary<string, (string, string)> components, bool forceZerosForEmptyPrompt)
    {
        Root = root;
        ClassName = className;
        _components = components;
        ForceZerosForEmptyPrompt = forceZerosForEmptyPrompt;
    }

    /// <summary>Absolute path of the folder.</summary>
    public string Root { get; }

    /// <summary>The pipeline class (<c>_class_name</c>), e.g. StableDiffusionPipeline or ChatsSDXLPipeline.</summary>
    public string ClassName { get; }

    /// <summary>
    /// model_index.json's <c>force_zeros_for_empty_prompt</c> (SDXL pipelines): true when an absent negative
    /// prompt is conditioned on zero embeddings rather than the encoding of "". False when the key is absent
    /// (SD1.5 and the CHATS pipelines have none).
    /// </summary>
    public bool ForceZerosForEmptyPrompt { get; }

    /// <summary>Component names with a library and class (null entries of model_index.json are skipped).</summary>
    public IReadOnlyCollection<string> ComponentNames => _components.Keys;

    /// <summary>The folder name, used as the default model id.</summary>
    public string Name => Path.GetFileName(Root.TrimEnd(Path.DirectorySeparatorChar));

    /// <summary>Opens and checks <c>model_index.json</c>; errors name the file and the problem.</summary>
    public static DiffusersPipelineFolder Open(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string root = Path.GetFullPath(path);
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"{root}: model folder not found");
        }

        string index = Path.Combine(root, "model_index.json");
        if (!File.Exists(index))
        {
            throw new InvalidDataException($"{index}: not found; {root} is not a diffusers pipeline folder");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllText(index));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{index}: invalid JSON: {e.Message}", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{index}: not a JSON object");
            }

            string className = document.RootElement.TryGetProperty("_class_name", out var cls) && cls.ValueKind == JsonValueKind.String
                ? cls.GetString()!
                : throw new InvalidDataException($"{index}: _class_name is missing");
            var components = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name.StartsWith('_') || property.Value.ValueKind != JsonValueKind.Array || property.Value.GetArrayLength() != 2)
                {
                    continue;
                }

                var library = property.Value[0];
                var type = property.Value[1];
                if (library.ValueKind == JsonValueKind.String && type.ValueKind == JsonValueKind.String)
                {
                    components[property.Name] = (library.GetString()!, type.GetString()!);
                }
            }

            bool forceZeros = document.RootElement.TryGetProperty("force_zeros_for_empty_prompt", out var zeros)
                && zeros.ValueKind == JsonValueKind.True;
            return new DiffusersPipelineFolder(root, className, components, forceZeros);
        }
    }

    /// <summary>True when model_index.json names <paramref name="component"/>.</summary>
    public bool HasComponent(string component) => _components.ContainsKey(component);

    /// <summary>The first of <paramref name="names"/> that the pipeline has, or null.</summary>
    public string? FirstComponent(params string[] names) => names.FirstOrDefault(HasComponent);

    /// <summary>The folder of <paramref name="component"/>; fails naming the component when it is absent.</summary>
    public string ComponentPath(string component)
    {
        if (!_components.ContainsKey(component))
        {
            throw new InvalidDataException(
                $"{Path.Combine(Root, "model_index.json")}: component '{component}' is not in this pipeline (it has: {string.Join(", ", _components.Keys.Order(StringComparer.Ordinal))})");
        }

        string dir = Path.Combine(Root, component);
        if (!Directory.Exists(dir))
        {
            throw new DirectoryNotFoundException($"{dir}: component folder '{component}' named by model_index.json is missing");
        }

        return dir;
    }

    /// <summary>The class model_index.json gives <paramref name="component"/>.</summary>
    public string ComponentClass(string component) => _components.TryGetValue(component, out var c) ? c.ClassName : string.Empty;
}
