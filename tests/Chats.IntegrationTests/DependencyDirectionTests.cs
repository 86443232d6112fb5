using System.Reflection;
using System.Text.Json;

namespace Chats.IntegrationTests;

/// <summary>
/// The torch line: the torch-free core, ServiceDefaults, the sampler and the gateway must never reach
/// TorchSharp, so the hosts that run no model carry no libtorch. Checked over the compiled assemblies'
/// references (transitively, within our own assemblies) and over the hosts' deps.json (what publish copies).
/// </summary>
public sealed class DependencyDirectionTests
{
    private static readonly string[] TorchFree = ["Chats.Core", "Chats.Protos", "Chats.ServiceDefaults", "Chats.Sampler", "Chats.Gateway", "Chats.Client"];

    [Theory]
    [InlineData("Chats.Core")]
    [InlineData("Chats.Protos")]
    [InlineData("Chats.ServiceDefaults")]
    [InlineData("Chats.Sampler")]
    [InlineData("Chats.Gateway")]
    [InlineData("Chats.Client")]
    public void TorchFreeAssembly_ReachesNoTorchSharpAssembly(string assemblyName)
    {
        var reached = ReachableOwnAssemblies(assemblyName);
        var torch = reached.SelectMany(a => a.GetReferencedAssemblies().Select(r => $"{a.GetName().Name} → {r.Name}"))
            .Where(edge => edge.Contains("TorchSharp", StringComparison.OrdinalIgnoreCase))
            .ToList();
        Assert.True(torch.Count == 0, $"{assemblyName} reaches TorchSharp: {string.Join("; ", torch)}");
        Assert.DoesNotContain(reached, a => a.GetName().Name is "Chats.Inference" or "Chats.Tools" or "Chats.Training");
    }

    [Fact]
    public void Layers_PointOneWay()
    {
        Assert.Equal(["Chats.Protos"], OwnReferences("Chats.ServiceDefaults").Except(["Chats.Core"]).ToArray());
        Assert.Contains("Chats.Core", OwnReferences("Chats.ServiceDefaults"));
        Assert.Empty(OwnReferences("Chats.Core"));
        Assert.Equal(["Chats.Core"], OwnReferences("Chats.Inference"));
        Assert.DoesNotContain("Chats.Inference", OwnReferences("Chats.Sampler"));
        Assert.Equal(["Chats.Protos"], OwnReferences("Chats.Client"));

        // The torch-backed library uses TorchSharp itself, so the check above is not vacuous.
        Assert.Contains(Assembly.Load("Chats.Inference").GetReferencedAssemblies(), r => r.Name == "TorchSharp");
    }

    [Theory]
    [InlineData("services/Chats.Sampler", "Chats.Sampler")]
    [InlineData("gateway/Chats.Gateway", "Chats.Gateway")]
    public void ModelFreeHost_DependencyManifest_HasNoLibTorch(string projectFolder, string assemblyName)
    {
        // deps.json is what `dotnet publish` copies from: a libtorch package there would be in the image.
        string configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        string deps = Path.Combine(RepositoryRoot(), projectFolder, "bin", configuration, "net10.0", $"{assemblyName}.deps.json");
        Assert.True(File.Exists(deps), $"{deps} is missing: build the solution first");
        using var json = JsonDocument.Parse(File.ReadAllText(deps));
        var libraries = json.RootElement.GetProperty("libraries").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains(libraries, l => l.StartsWith("Grpc.", StringComparison.Ordinal));
        Assert.DoesNotContain(libraries, l => l.Contains("torch", StringComparison.OrdinalIgnoreCase));
    }

    private static string[] OwnReferences(string assemblyName)
        => Assembly.Load(assemblyName).GetReferencedAssemblies()
            .Select(r => r.Name!)
            .Where(n => n.StartsWith("Chats.", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToArray();

    private static List<Assembly> ReachableOwnAssemblies(string root)
    {
        var seen = new Dictionary<string, Assembly>(StringComparer.Ordinal);
        var pending = new Stack<string>([root]);
        while (pending.TryPop(out var name))
        {
            if (seen.ContainsKey(name))
            {
                continue;
            }

            var assembly = Assembly.Load(name);
            seen[name] = assembly;
            foreach (var reference in assembly.GetReferencedAssemblies())
            {
                if (reference.Name!.StartsWith("Chats.", StringComparison.Ordinal))
                {
                    pending.Push(reference.Name);
                }
            }
        }

        Assert.Contains(root, TorchFree);
        return [.. seen.Values];
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Chats.Microservices.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Chats.Microservices.sln not found above the test binaries");
    }
}
