using System.IO.Compression;
using System.Xml.Linq;
using Chats.ServiceDefaults;

namespace Chats.IntegrationTests;

/// <summary>
/// The SDK as a .NET team gets it: Chats.Protos and Chats.Client packed into a local feed, then restored into a fresh
/// console project outside the repository (none of its Directory.Build.props, central versions or global.json), built
/// for net8.0 and net10.0, and run on net10.0 against a real gRPC server. Slow (packing and two restores): minutes.
/// </summary>
public sealed class PackageTests
{
    private static readonly TimeSpan s_step = TimeSpan.FromMinutes(8);

    [Fact(Timeout = 30 * 60 * 1000)]
    public async Task BothPackages_RestoreIntoAFreshProject_BuildForNet8AndNet10_AndRunOnNet10()
    {
        var ct = TestContext.Current.CancellationToken;
        string repo = RepositoryRoot();
        string work = Path.Combine(Path.GetTempPath(), "chats-sdk-package-" + Guid.NewGuid().ToString("N"));
        Assert.False(Path.GetFullPath(work).StartsWith(repo + Path.DirectorySeparatorChar, StringComparison.Ordinal), "the consumer must live outside the repository");
        // A version of its own: the NuGet cache never holds a stale copy of it, and it is removed from there after.
        string version = "0.0.0-packagetest." + Guid.NewGuid().ToString("N")[..12];
        string feed = Path.Combine(work, "feed");
        string app = Path.Combine(work, "consumer");
        Directory.CreateDirectory(feed);
        Directory.CreateDirectory(app);
        try
        {
            foreach (string project in new[] { "protos/Chats.Protos/Chats.Protos.csproj", "clients/Chats.Client/Chats.Client.csproj" })
            {
                await DotnetAsync(work, ct, "pack", Path.Combine(repo, project), "-c", "Release", "-o", feed, "--artifacts-path", Path.Combine(work, "artifacts"),
                    $"-p:ChatsPackageVersion={version}", "--disable-build-servers");
            }

            AssertPackageContents(feed, version);
            WriteConsumer(app, feed);
            await DotnetAsync(app, ct, "add", "package", "Chats.Client", "--version", version);
            await DotnetAsync(app, ct, "build", "-c", "Release", "--disable-build-servers");
            Assert.True(File.Exists(Path.Combine(app, "bin", "Release", "net8.0", "consumer.dll")), "no net8.0 build");

            var sampler = new ScriptedSampler((_, stream, context) => ScriptedSampler.GenerateAsync(stream, context));
            await using var server = await sampler.StartAsync(ct);
            string png = Path.Combine(work, "out.png");
            var run = await ProcessRun.DotnetAsync(Path.Combine(app, "bin", "Release", "net10.0", "consumer.dll"), [server.BoundAddresses()[0].ToString(), png], s_step, ct);

            Assert.True(run.ExitCode == 0, run.StandardOutput + run.StandardError);
            Assert.Equal("arm scripted, 1 image(s)", run.StandardOutput.Trim());
            Assert.Equal([0x89, 0x50, 0x4E, 0x47], await File.ReadAllBytesAsync(png, ct));
            Assert.Equal("Bearer sk-from-the-package", Assert.Single(sampler.Calls).Headers.GetValue("authorization"));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
            string cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            foreach (string id in new[] { "chats.protos", "chats.client" })
            {
                string cached = Path.Combine(cache, id, version);
                if (Directory.Exists(cached))
                {
                    Directory.Delete(cached, recursive: true);
                }
            }
        }
    }

    private static void AssertPackageContents(string feed, string version)
    {
        using var protos = ZipFile.OpenRead(Path.Combine(feed, $"Chats.Protos.{version}.nupkg"));
        using var client = ZipFile.OpenRead(Path.Combine(feed, $"Chats.Client.{version}.nupkg"));
        var protoEntries = protos.Entries.Select(e => e.FullName).ToHashSet();
        var clientEntries = client.Entries.Select(e => e.FullName).ToHashSet();
        foreach (string tfm in new[] { "net8.0", "net10.0" })
        {
            Assert.Contains($"lib/{tfm}/Chats.Protos.dll", protoEntries);
            Assert.Contains($"lib/{tfm}/Chats.Client.dll", clientEntries);
            Assert.Contains($"lib/{tfm}/Chats.Client.xml", clientEntries);
        }

        Assert.Contains("protos/chats/v1/sampler.proto", protoEntries);
        Assert.Contains("README.md", clientEntries);

        var protoSpec = Nuspec(protos);
        var clientSpec = Nuspec(client);
        // Grpc.Tools generated the code at pack time; a consumer gets the compiled types, not the generator.
        Assert.DoesNotContain("Grpc.Tools", Dependencies(protoSpec));
        Assert.Contains("Google.Protobuf", Dependencies(protoSpec));
        Assert.Contains("Chats.Protos", Dependencies(clientSpec));
        Assert.Contains("Grpc.Net.ClientFactory", Dependencies(clientSpec));
        Assert.Equal("MIT", clientSpec.Descendants().Single(e => e.Name.LocalName == "license").Value);
        Assert.Equal("README.md", clientSpec.Descendants().Single(e => e.Name.LocalName == "readme").Value);
    }

    private static XDocument Nuspec(ZipArchive package)
    {
        using var stream = package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        return XDocument.Load(stream);
    }

    private static HashSet<string> Dependencies(XDocument nuspec)
        => nuspec.Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => (string)e.Attribute("id")!).ToHashSet();

    // Each file that could reach the consumer from a folder above (a Directory.Build.props, central package versions,
    // a global.json) is shadowed by one of its own; nuget.config adds the local feed to the machine's sources.
    private static void WriteConsumer(string app, string feed)
    {
        File.WriteAllText(Path.Combine(app, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(app, "Directory.Build.targets"), "<Project />\n");
        File.WriteAllText(Path.Combine(app, "Directory.Packages.props"),
            "<Project>\n  <PropertyGroup>\n    <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>\n  </PropertyGroup>\n</Project>\n");
        File.WriteAllText(Path.Combine(app, "global.json"), "{ \"sdk\": { \"version\": \"10.0.100\", \"rollForward\": \"latestFeature\" } }\n");
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="chats-local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(app, "consumer.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFrameworks>net8.0;net10.0</TargetFrameworks>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <!-- Run with `dotnet consumer.dll`: no apphost pack to fetch for net8.0. -->
                <UseAppHost>false</UseAppHost>
              </PropertyGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using Chats.Client;
            using Chats.Protos.V1;
            using Microsoft.Extensions.DependencyInjection;

            var services = new ServiceCollection();
            services.AddChatsClient(o =>
            {
                o.Address = new Uri(args[0]);
                o.ApiKey = "sk-from-the-package";
            });
            using var provider = services.BuildServiceProvider();
            IChatsClient client = provider.GetRequiredService<IChatsClient>();
            GenerationResult result = await client.GenerateAsync("a packaged circle", new GenerationOptions { Mode = GuidanceMode.Chats, Steps = 1 });
            await File.WriteAllBytesAsync(args[1], result.Images[0].Png.ToByteArray());
            Console.WriteLine($"arm {result.Arm}, {result.Images.Count} image(s)");
            """);
    }

    private static async Task DotnetAsync(string workingDirectory, CancellationToken ct, params string[] args)
    {
        var run = await ProcessRun.DotnetCliAsync(workingDirectory, args, s_step, ct);
        Assert.True(run.ExitCode == 0, $"dotnet {string.Join(' ', args)} exited {run.ExitCode}:\n{run.StandardOutput}\n{run.StandardError}");
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
