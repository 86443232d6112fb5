using Chats.Core.Tests;
using Chats.Decoder;
using Chats.Denoiser;
using Chats.TextEncoder;
using Microsoft.AspNetCore.Builder;

namespace Chats.IntegrationTests;

/// <summary>
/// A bad <c>Device</c> or <c>DType</c> fails a torch service at start-up with one line naming the key and the value,
/// and a CUDA device on a machine without one fails saying so; the fixture folder itself is fine.
/// </summary>
public sealed class PlacementStartupTests
{
    public static TheoryData<string> Sections => ["TextEncoder", "Denoiser", "Decoder"];

    [Theory]
    [MemberData(nameof(Sections))]
    public void UnknownDevice_FailsStartUp_NamingKeyAndValue(string section)
    {
        var e = BuildFails(section, new() { [$"{section}:Device"] = "gpu" });

        Assert.Contains($"{section}:Device: 'gpu' is not a device; use cpu, cuda or cuda:N", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [MemberData(nameof(Sections))]
    public void UnknownDType_FailsStartUp_NamingKeyAndValue(string section)
    {
        var e = BuildFails(section, new() { [$"{section}:DType"] = "fp16" });

        Assert.Contains($"{section}:DType: 'fp16' is not a dtype; use float32, float16, bfloat16", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [MemberData(nameof(Sections))]
    public void CudaDevice_WhereCudaIsNotAvailable_FailsStartUp_SayingSo(string section)
    {
        Assert.SkipWhen(TorchSharp.torch.cuda.is_available(), "CUDA is available in this process");

        var e = BuildFails(section, new() { [$"{section}:Device"] = "cuda", [$"{section}:DType"] = "float16" });

        Assert.IsType<InvalidOperationException>(e);
        Assert.StartsWith($"{section}:Device is 'cuda', but CUDA is not available in this process", e.Message, StringComparison.Ordinal);
    }

    private static Exception BuildFails(string section, Dictionary<string, string?> placement)
    {
        Func<string[], IReadOnlyDictionary<string, string?>?, WebApplication> build = section switch
        {
            "TextEncoder" => TextEncoderServiceHost.Build,
            "Denoiser" => DenoiserServiceHost.Build,
            _ => DecoderServiceHost.Build,
        };
        var settings = new Dictionary<string, string?>(placement)
        {
            [$"{section}:ModelPath"] = FixturePaths.Combine("tiny-sd15"),
            ["Endpoints:Host"] = "127.0.0.1",
            ["Endpoints:GrpcPort"] = "0",
            ["Endpoints:HttpPort"] = "0",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        return Assert.ThrowsAny<Exception>(() =>
        {
            // Reaching here would mean the setting was accepted: dispose what was built before the assert fails.
            using var app = build([], settings);
        });
    }
}
