using System.Collections.Concurrent;
using System.Net;
using Chats.Protos.V1;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Chats.IntegrationTests;

/// <summary>
/// A real gRPC server (Kestrel, h2c on a loopback port) with the Sampler service, whose answer to the n-th Generate call
/// (from 0) is the test's own: the SDK's side of the wire (headers, deadlines, retries) seen from the server.
/// </summary>
internal sealed class ScriptedSampler(Func<int, IServerStreamWriter<GenerateEvent>, ServerCallContext, Task> answer) : Protos.V1.Sampler.SamplerBase
{
    private int _calls;

    /// <summary>Each call's request headers and deadline, in arrival order.</summary>
    public ConcurrentQueue<(Metadata Headers, DateTime Deadline)> Calls { get; } = new();

    /// <summary>The answer of a sampler that generated one 1x1 image: Started, one progress event, the image.</summary>
    public static async Task GenerateAsync(IServerStreamWriter<GenerateEvent> stream, ServerCallContext context)
    {
        await context.WriteResponseHeadersAsync(new Metadata { { "x-chats-arm", "scripted" } });
        await stream.WriteAsync(new GenerateEvent { Started = new GenerationStarted { GenerationId = "scripted", Mode = GuidanceMode.Chats, Steps = 1, Width = 1, Height = 1 } });
        await stream.WriteAsync(new GenerateEvent { Progress = new GenerationProgress { Step = 1, TotalSteps = 1 } });
        await stream.WriteAsync(new GenerateEvent { Image = new GeneratedImage { Index = 0, Width = 1, Height = 1, Png = Google.Protobuf.ByteString.CopyFrom(0x89, 0x50, 0x4E, 0x47) } });
    }

    public override Task Generate(GenerateRequest request, IServerStreamWriter<GenerateEvent> responseStream, ServerCallContext context)
    {
        Calls.Enqueue((context.RequestHeaders, context.Deadline));
        return answer(Interlocked.Increment(ref _calls) - 1, responseStream, context);
    }

    /// <summary>Serves this sampler on a free loopback port until the returned app is disposed.</summary>
    public async Task<WebApplication> StartAsync(CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(this);
        var app = builder.Build();
        app.MapGrpcService<ScriptedSampler>();
        await app.StartAsync(ct);
        return app;
    }
}
