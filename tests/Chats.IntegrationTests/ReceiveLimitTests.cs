using System.Buffers.Binary;
using System.Net;
using Chats.Cli.Fuzzing;
using Chats.ServiceDefaults;
using Grpc.Core;

namespace Chats.IntegrationTests;

/// <summary>Receive limits: an oversized request is refused with RESOURCE_EXHAUSTED naming the limit and its key.</summary>
[Collection(RunningSystem.Name)]
public sealed class ReceiveLimitTests(ChatsSystemFixture fixture)
{
    [Theory]
    [InlineData("sampler")]
    [InlineData("gateway")]
    public async Task OversizedGenerate_IsRefusedFromItsLengthPrefix_BeforeTheBodyIsSent(string service)
    {
        var ct = TestContext.Current.CancellationToken;
        var address = service == "gateway" ? fixture.System.Gateway : fixture.System.Services["sampler"].Grpc;
        const int Declared = 17 * 1024 * 1024;
        using var http = new HttpClient();
        using var body = new PrefixThenStall(Declared);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(address, "/chats.v1.Sampler/Generate"))
        {
            Content = body,
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("TE", "trailers");

        // The body never gets past its first kilobyte: an answer proves the 17 MB were not read.
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).WaitAsync(TimeSpan.FromSeconds(20), ct);

        Assert.Equal("8", response.Headers.GetValues("grpc-status").Single());
        string detail = Uri.UnescapeDataString(response.Headers.GetValues("grpc-message").Single());
        Assert.Equal($"the request message is {Declared} bytes; chats.v1.Sampler accepts at most {EndpointOptions.DefaultMaxReceiveMessageSize} ({EndpointOptions.MaxReceiveMessageSizeKey})", detail);
    }

    [Fact]
    public async Task OversizedGenerate_ThroughTheGrpcClient_IsResourceExhausted()
    {
        var ct = TestContext.Current.CancellationToken;
        byte[] bytes = ProtoBytes.LengthDelimited(1, new byte[EndpointOptions.DefaultMaxReceiveMessageSize]);
        var tests = new MalformedMessageTests(fixture);

        var (status, detail) = await tests.SendAsync("gateway", FuzzTarget.GatewayGenerate, bytes, ct);

        Assert.Equal(StatusCode.ResourceExhausted, status);
        Assert.Contains(EndpointOptions.MaxReceiveMessageSizeKey, detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OversizedStreamedDenoiserMessage_IsResourceExhausted_NamingTheDerivedLimit()
    {
        var ct = TestContext.Current.CancellationToken;
        var limit = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<ReceiveLimit>(fixture.System.Services["preferred"].App.Services);
        byte[] bytes = ProtoBytes.LengthDelimited(2, new byte[limit.Bytes + 1]);
        var tests = new MalformedMessageTests(fixture);

        var (status, detail) = await tests.SendAsync("preferred", FuzzTarget.Denoise, bytes, ct);

        Assert.Equal(StatusCode.ResourceExhausted, status);
        Assert.Equal($"a request message exceeds the {limit.Bytes} bytes chats.v1.Denoiser accepts ({EndpointOptions.MaxReceiveMessageSizeKey})", detail);
        // Sized to the largest legitimate message (here the largest step: MaxLatentBatch fp32 latents at MaxLatentSide²
        // beat MaxConditionings conditionings of the tiny encoder's width), plus 64 KB for the rest of the message.
        var o = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Inference.Engine.DenoiserSessionEngine>(fixture.System.Services["preferred"].App.Services).Options;
        Assert.Equal((long)o.MaxLatentBatch * 4 * o.MaxLatentSide * o.MaxLatentSide * sizeof(float) + (64 * 1024), limit.Bytes);
    }

    /// <summary>A gRPC body that declares <c>declared</c> bytes, sends a kilobyte of them and then waits forever.</summary>
    private sealed class PrefixThenStall(int declared) : HttpContent
    {
        private readonly TaskCompletionSource _never = new();

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var prefix = new byte[5 + 1024];
            BinaryPrimitives.WriteUInt32BigEndian(prefix.AsSpan(1), (uint)declared);
            await stream.WriteAsync(prefix);
            await stream.FlushAsync();
            await _never.Task;
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            _never.TrySetCanceled();
            base.Dispose(disposing);
        }
    }
}
