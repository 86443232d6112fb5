using System.Text.Json.Nodes;
using Chats.Core.Tests;
using Chats.Decoder;
using Chats.Denoiser;
using Chats.TextEncoder;
using Microsoft.AspNetCore.Builder;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Chats.IntegrationTests;

/// <summary>
/// A bad model folder fails the service at start-up: the host's Build throws (so the service never listens and is
/// never reported ready), with a message naming the offending file and the problem, instead of failing a request later.
/// Each case copies tiny-sd15 to a temp folder and breaks one thing in the component the role loads.
/// A bad configuration value fails start-up with one line on stderr naming the key and the value, exit code 2 and no
/// stack trace, whether the service runs as <c>chats serve ROLE</c>, inside <c>chats up</c>, or as its own binary: those
/// cases run the real process.
/// </summary>
public sealed class StartupFailureTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("chats-startup-").FullName;

    public StartupFailureTests()
    {
        ModelPath = Path.Combine(_root, "tiny-sd15");
        CopyPipeline(FixturePaths.Combine("tiny-sd15"), ModelPath);
    }

    private string ModelPath { get; }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    public static TheoryData<string> Roles => ["text-encoder", "denoiser", "decoder"];

    private static void CopyPipeline(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (string file in Directory.GetFiles(source))
        {
            File.Copy(file, Path.Combine(destination, Path.GetFileName(file)));
        }

        foreach (string dir in Directory.GetDirectories(source).Where(d => Path.GetFileName(d) != "cases"))
        {
            CopyPipeline(dir, Path.Combine(destination, Path.GetFileName(dir)));
        }
    }

    /// <summary>The component folder the role loads weights from.</summary>
    private static string Component(string role) => role switch
    {
        "text-encoder" => "text_encoder",
        "denoiser" => "unet",
        "decoder" => "vae",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, null),
    };

    private string ComponentDir(string role) => Path.Combine(ModelPath, Component(role));

    private string WeightsPath(string role) =>
        Path.Combine(ComponentDir(role), role == "text-encoder" ? "model.safetensors" : "diffusion_pytorch_model.safetensors");

    private string ConfigPath(string role) => Path.Combine(ComponentDir(role), "config.json");

    /// <summary>Builds the role's host on the broken folder and returns the start-up exception.</summary>
    private Exception BuildFails(string role)
    {
        Func<string[], IReadOnlyDictionary<string, string?>?, WebApplication> build = role switch
        {
            "text-encoder" => TextEncoderServiceHost.Build,
            "denoiser" => DenoiserServiceHost.Build,
            "decoder" => DecoderServiceHost.Build,
            _ => throw new ArgumentOutOfRangeException(nameof(role), role, null),
        };
        string section = role switch
        {
            "text-encoder" => "TextEncoder",
            "denoiser" => "Denoiser",
            _ => "Decoder",
        };
        var settings = new Dictionary<string, string?>
        {
            [$"{section}:ModelPath"] = ModelPath,
            ["Endpoints:Host"] = "127.0.0.1",
            ["Endpoints:GrpcPort"] = "0",
            ["Endpoints:HttpPort"] = "0",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        return Assert.ThrowsAny<Exception>(() =>
        {
            // Reaching here would mean the broken folder was accepted: dispose what was built before the assert fails.
            using var app = build([], settings);
        });
    }

    private static void AssertNames(Exception e, string file, string problem)
    {
        Assert.Contains(file, e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Reads the role's weights, lets <paramref name="edit"/> change them, and writes them back in place.</summary>
    private void EditWeights(string role, Action<Dictionary<string, Tensor>> edit)
    {
        string path = WeightsPath(role);
        var tensors = Safetensors.LoadStateDict(path);
        try
        {
            edit(tensors);
            File.Delete(path);
            Safetensors.SaveStateDict(path, tensors);
        }
        finally
        {
            foreach (var t in tensors.Values)
            {
                t.Dispose();
            }
        }
    }

    [Theory]
    [MemberData(nameof(Roles))]
    public void ModelFolderNotFound_FailsNamingFolder(string role)
    {
        Directory.Delete(ModelPath, recursive: true);
        AssertNames(BuildFails(role), ModelPath, "not found");
    }

    [Theory]
    [MemberData(nameof(Roles))]
    public void NotADiffusersPipeline_FailsNamingModelIndex(string role)
    {
        File.Delete(Path.Combine(ModelPath, "model_index.json"));
        AssertNames(BuildFails(role), Path.Combine(ModelPath, "model_index.json"), "not a diffusers pipeline folder");
    }

    [Theory]
    [MemberData(nameof(Roles))]
    public void MissingComponentFolder_FailsNamingFolder(string role)
    {
        Directory.Delete(ComponentDir(role), recursive: true);
        AssertNames(BuildFails(role), ComponentDir(role), "missing");
    }

    [Theory]
    [MemberData(nameof(Roles))]
    public void ComponentNotInModelIndex_FailsNamingModelIndex(string role)
    {
        string index = Path.Combine(ModelPath, "model_index.json");
        var json = JsonNode.Parse(File.ReadAllText(index))!.AsObject();
        Assert.True(json.Remove(Component(role)));
        File.WriteAllText(index, json.ToJsonString());
        AssertNames(BuildFails(role), index, $"component '{Component(role)}' is not in this pipeline");
    }

    [Theory]
    [InlineData("text-encoder", "hidden_act", "\"relu\"")]
    [InlineData("denoiser", "class_embed_type", "\"timestep\"")]
    [InlineData("decoder", "act_fn", "\"gelu\"")]
    public void UnsupportedConfigValue_FailsNamingConfigAndField(string role, string field, string value)
    {
        var json = JsonNode.Parse(File.ReadAllText(ConfigPath(role)))!.AsObject();
        json[field] = JsonNode.Parse(value);
        File.WriteAllText(ConfigPath(role), json.ToJsonString());
        var e = BuildFails(role);
        AssertNames(e, ConfigPath(role), "not supported");
        Assert.Contains(field, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Roles))]
    public void MissingConfig_FailsNamingConfig(string role)
    {
        File.Delete(ConfigPath(role));
        AssertNames(BuildFails(role), ConfigPath(role), "not found");
    }

    [Theory]
    [MemberData(nameof(Roles))]
    public void MissingWeights_FailsNamingWeightsFile(string role)
    {
        File.Delete(WeightsPath(role));
        AssertNames(BuildFails(role), WeightsPath(role), "not found");
    }

    [Theory]
    [MemberData(nameof(Roles))]
    public void RenamedWeightKey_FailsNamingFileAndBothKeys(string role)
    {
        string renamed = string.Empty;
        EditWeights(role, t =>
        {
            renamed = t.Keys.Order(StringComparer.Ordinal).First();
            t[renamed + "_renamed"] = t[renamed];
            t.Remove(renamed);
        });
        var e = BuildFails(role);
        AssertNames(e, WeightsPath(role), $"missing keys: {renamed}");
        Assert.Contains($"unexpected keys: {renamed}_renamed", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Roles))]
    public void WrongWeightShape_FailsNamingFileKeyAndShape(string role)
    {
        string changed = string.Empty;
        EditWeights(role, t =>
        {
            changed = t.Keys.Where(k => k.EndsWith(".bias", StringComparison.Ordinal)).Order(StringComparer.Ordinal).First();
            var old = t[changed];
            t[changed] = zeros(old.shape[0] + 1);
            old.Dispose();
        });
        AssertNames(BuildFails(role), WeightsPath(role), $"wrong shape for '{changed}'");
    }

    [Theory]
    [MemberData(nameof(Roles))]
    public void CorruptSafetensorsHeader_FailsNamingFile(string role)
    {
        using (var stream = File.OpenWrite(WeightsPath(role)))
        {
            // An absurd header length: the first 8 bytes of a safetensors file.
            stream.Write([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]);
        }

        AssertNames(BuildFails(role), WeightsPath(role), "corrupt safetensors header");
    }

    [Theory]
    [MemberData(nameof(Roles))]
    public void HeaderNotJson_FailsNamingFile(string role)
    {
        using (var stream = File.OpenWrite(WeightsPath(role)))
        {
            stream.Position = 8;
            stream.Write("not json"u8);
        }

        AssertNames(BuildFails(role), WeightsPath(role), "corrupt safetensors header");
    }

    [Theory]
    [MemberData(nameof(Roles))]
    public void TruncatedWeights_FailsNamingFile(string role)
    {
        string path = WeightsPath(role);
        using (var stream = File.OpenWrite(path))
        {
            stream.SetLength(stream.Length / 2);
        }

        AssertNames(BuildFails(role), path, "corrupt safetensors header");
    }

    // --- Bad configuration values: one line naming key and value, exit code 2, no stack trace, in real processes. ---

    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(3);
    private static readonly string s_model = FixturePaths.Combine("tiny-chats-sd15");

    /// <summary>The CLI (chats.dll) next to the test assembly, as the CLI project reference puts it there.</summary>
    private static string Cli => typeof(Cli.Commands.CommandErrors).Assembly.Location;

    private static string[] SamplerArgs(params string[] settings) =>
    [
        "serve", "sampler", $"--Sampler:ModelPath={s_model}", "--Sampler:TextEncoder=http://127.0.0.1:1",
        "--Sampler:Decoder=http://127.0.0.1:2", "--Sampler:Preferred=http://127.0.0.1:3", "--Endpoints:GrpcPort=0", "--Endpoints:HttpPort=0", .. settings,
    ];

    private static string[] DenoiserArgs(params string[] settings) =>
        ["serve", "denoiser", $"--Denoiser:ModelPath={s_model}", "--Denoiser:Role=Preferred", "--Endpoints:GrpcPort=0", "--Endpoints:HttpPort=0", .. settings];

    public static TheoryData<string[], string> ServeCases => new()
    {
        { SamplerArgs("--Sampler:Decoder=not a url"), "Sampler:Decoder = 'not a url': not an http://host:port or dns:///host:port address" },
        { SamplerArgs("--Sampler:DefaultMode=x"), "Sampler:DefaultMode = 'x': not a GuidanceMode; use Cfg, Chats, ChatsFull" },
        { SamplerArgs("--Sampler:MaxSteps=0"), "Sampler:MaxSteps = '0': out of range; use 1 to 1000" },
        { DenoiserArgs("--Denoiser:Role=foo"), "Denoiser:Role = 'foo': not a DenoiserRole; use Preferred, Dispreferred, Standard" },
        { DenoiserArgs("--Denoiser:MaxBatch=abc"), "Denoiser:MaxBatch = 'abc': not an integer" },
        { DenoiserArgs("--Denoiser:SessionIdleTimeout=soon"), "Denoiser:SessionIdleTimeout = 'soon': not a time span ([d.]hh:mm:ss[.fff], e.g. 00:00:30)" },
        { ["serve", "denoiser", "--Endpoints:GrpcPort=0", "--Endpoints:HttpPort=0"], "Denoiser:ModelPath: required, and not set" },
        { DenoiserArgs("--Endpoints:GrpcPort=70000"), "Endpoints:GrpcPort = '70000': out of range; use 0 to 65535" },
        { DenoiserArgs("--Endpoints:Host=localhost"), "Endpoints:Host = 'localhost': not an IP address (e.g. 127.0.0.1, 0.0.0.0)" },
        { ["serve", "text-encoder", $"--TextEncoder:ModelPath={s_model}", "--EmbeddingCache:BreakerFailures=-1"], "EmbeddingCache:BreakerFailures = '-1': out of range; use 0 to 1000" },
    };

    [Theory]
    [MemberData(nameof(ServeCases))]
    public async Task Serve_BadValue_FailsWithOneLineNamingKeyAndValue_ExitCode2(string[] args, string problem)
    {
        var run = await ProcessRun.DotnetAsync(Cli, args, s_timeout, TestContext.Current.CancellationToken);

        AssertConfigurationError(run, problem);
    }

    [Fact]
    public async Task Up_BadValue_FailsWithOneLineNamingKeyAndValue_ExitCode2()
    {
        var run = await ProcessRun.DotnetAsync(Cli, ["up", "--model", s_model, "--wire-dtype", "fp16"], s_timeout, TestContext.Current.CancellationToken);

        AssertConfigurationError(run, "Sampler:WireDtype: 'fp16' is not a wire dtype; use float32, float16, bfloat16");
    }

    [Theory]
    [InlineData("Chats.Sampler", "--Sampler:DefaultMode=x", "Sampler:DefaultMode = 'x': not a GuidanceMode; use Cfg, Chats, ChatsFull")]
    [InlineData("Chats.Denoiser", "--Denoiser:MaxBatch=0", "Denoiser:MaxBatch = '0': out of range; use 1 to 1024")]
    [InlineData("Chats.Gateway", "--Gateway:ActivityTimeout=long", "Gateway:ActivityTimeout = 'long': not a time span ([d.]hh:mm:ss[.fff], e.g. 00:00:30)")]
    public async Task ServiceBinary_BadValue_FailsWithOneLineNamingKeyAndValue_ExitCode2(string service, string setting, string problem)
    {
        string binary = Path.Combine(AppContext.BaseDirectory, service + ".dll");
        string[] args = service switch
        {
            "Chats.Sampler" => [.. SamplerArgs(setting).Skip(2)],
            "Chats.Denoiser" => [.. DenoiserArgs(setting).Skip(2)],
            _ => ["--Gateway:Samplers:0=http://127.0.0.1:1", "--Endpoints:GrpcPort=0", "--Endpoints:HttpPort=0", setting],
        };

        var run = await ProcessRun.DotnetAsync(binary, args, s_timeout, TestContext.Current.CancellationToken);

        AssertConfigurationError(run, problem);
    }

    private static void AssertConfigurationError(ProcessRun run, string problem)
    {
        Assert.True(run.ExitCode == 2, $"exit code {run.ExitCode}; stdout: {run.StandardOutput}; stderr: {run.StandardError}");
        Assert.Equal(["chats: configuration error: " + problem], run.ErrorLines);
        Assert.DoesNotContain("   at ", run.StandardOutput + run.StandardError, StringComparison.Ordinal);
    }
}
