using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Chats.IntegrationTests.Deploy;

/// <summary>
/// deploy/k8s rendered once for a test class: <c>node deploy/validate/validate.mjs --json</c> runs <c>kubectl kustomize</c>
/// on every overlay, validates each object against the Kubernetes schemas and skaffold.yaml against Skaffold's, and writes
/// the rendered objects as JSON. Needs node and <c>npm ci --prefix deploy/validate</c> (which also brings kubectl);
/// <see cref="Missing"/> says what is absent instead of failing the fixture, so each test fails with that message.
/// </summary>
public sealed class RenderedManifests : IAsyncLifetime
{
    /// <summary>The repository root (the folder holding Chats.Microservices.sln).</summary>
    public string Root { get; } = FindRoot();

    /// <summary>Why the manifests could not be rendered (a missing tool); null once rendered.</summary>
    public string? Missing { get; private set; }

    /// <summary>validate.mjs's exit code: 0 when every object and skaffold.yaml passed their schemas.</summary>
    public int ExitCode { get; private set; } = -1;

    /// <summary>validate.mjs's standard output and error.</summary>
    public string Output { get; private set; } = string.Empty;

    /// <summary>The rendered objects per overlay name (cpu, gpu).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<JsonObject>> Overlays { get; private set; } = new Dictionary<string, IReadOnlyList<JsonObject>>();

    /// <summary>The objects of deploy/monitoring (the prometheus-adapter rules).</summary>
    public IReadOnlyList<JsonObject> Monitoring { get; private set; } = [];

    /// <summary>The objects of one overlay; fails the test, naming what to install, when rendering was not possible.</summary>
    public IReadOnlyList<JsonObject> Of(string overlay)
    {
        if (Missing is not null)
        {
            Assert.Fail(Missing);
        }

        Assert.True(Overlays.TryGetValue(overlay, out var objects), $"deploy/k8s/overlays/{overlay} was not rendered:\n{Output}");
        return objects!;
    }

    public async ValueTask InitializeAsync()
    {
        string validate = Path.Combine(Root, "deploy", "validate");
        if (!Directory.Exists(Path.Combine(validate, "node_modules")) || !File.Exists(Path.Combine(validate, "bin", "kubectl")))
        {
            Missing = $"{validate}/node_modules or bin/kubectl is missing: run `npm ci --prefix deploy/validate` (needs node >= 18 and npm; it unpacks kubectl with kustomize v5)";
            return;
        }

        string json = Path.Combine(Path.GetTempPath(), $"chats-manifests-{Guid.NewGuid():N}.json");
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Root,
        };
        start.ArgumentList.Add(Path.Combine(validate, "validate.mjs"));
        start.ArgumentList.Add("--json");
        start.ArgumentList.Add(json);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Missing = $"node could not be started ({e.Message}): install nodejs (>= 18) and run `npm ci --prefix deploy/validate`";
            return;
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            await process.WaitForExitAsync(limit.Token);
            ExitCode = process.ExitCode;
            Output = await stdout + await stderr;
        }

        if (!File.Exists(json))
        {
            Missing = $"validate.mjs wrote no {json} (exit {ExitCode}):\n{Output}";
            return;
        }

        try
        {
            var rendered = JsonNode.Parse(await File.ReadAllTextAsync(json))!.AsObject();
            Overlays = rendered["overlays"]!.AsObject().ToDictionary(
                o => o.Key, o => (IReadOnlyList<JsonObject>)[.. o.Value!.AsArray().Select(n => n!.AsObject())]);
            Monitoring = [.. rendered["monitoring"]!.AsArray().Select(n => n!.AsObject())];
        }
        finally
        {
            File.Delete(json);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Chats.Microservices.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Chats.Microservices.sln not found above the test binaries");
    }
}
