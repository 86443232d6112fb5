using System.Text;
using Chats.Cli.Fuzzing;
using Chats.Protos.V1;
using Chats.ServiceDefaults;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace Chats.IntegrationTests;

/// <summary>
/// Bytes that are not a valid message (invalid UTF-8 in a string field, a truncated message), sent over real gRPC with a
/// byte-array marshaller: every service answers INVALID_ARGUMENT naming the message, and counts the call.
/// </summary>
[Collection(RunningSystem.Name)]
public sealed class MalformedMessageTests(ChatsSystemFixture fixture)
{
    public static TheoryData<string, string> Cases => new()
    {
        { "sampler", "lone-surrogate" }, { "sampler", "ff-fe" }, { "sampler", "truncated" },
        { "gateway", "lone-surrogate" }, { "gateway", "ff-fe" }, { "gateway", "truncated" },
        { "text-encoder", "lone-surrogate" }, { "text-encoder", "ff-fe" }, { "text-encoder", "truncated" },
        { "decoder", "truncated" }, { "decoder", "garbage" },
        { "preferred", "lone-surrogate" }, { "preferred", "truncated" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task MalformedBytes_GetInvalidArgumentNamingTheMessage_AndAreCounted(string service, string damage)
    {
        var ct = TestContext.Current.CancellationToken;
        var (target, message, contract, method) = service switch
        {
            "sampler" or "gateway" => (service == "sampler" ? FuzzTarget.SamplerGenerate : FuzzTarget.GatewayGenerate, "chats.v1.GenerateRequest", "chats.v1.Sampler", "Generate"),
            "text-encoder" => (FuzzTarget.Encode, "chats.v1.EncodeRequest", "chats.v1.TextEncoder", "Encode"),
            "decoder" => (FuzzTarget.Decode, "chats.v1.DecodeRequest", "chats.v1.Decoder", "Decode"),
            _ => (FuzzTarget.Denoise, "chats.v1.DenoiseRequest", "chats.v1.Denoiser", "Denoise"),
        };
        byte[] bytes = Damaged(target, damage);
        string counter = MetricsScrape.Requests(contract, method, "InvalidArgument");
        double before = MetricsScrape.Value(await MetricsScrape.ReadAsync(fixture, ct), counter);

        var (status, detail) = await SendAsync(service, target, bytes, ct);

        Assert.Equal(StatusCode.InvalidArgument, status);
        Assert.StartsWith($"the request is not a valid {message} message: ", detail, StringComparison.Ordinal);
        Assert.Equal(before + 1, MetricsScrape.Value(await MetricsScrape.ReadAsync(fixture, ct), counter));
    }

    [Fact]
    public async Task UnknownFields_AreIgnored_AsProtobufRequires()
    {
        var ct = TestContext.Current.CancellationToken;
        var request = new EncodeRequest { Prompts = { "a red circle" } };
        byte[] bytes = [.. request.ToByteArray(), .. ProtoBytes.Varint(1234, 5)];

        var (status, _) = await SendAsync("text-encoder", FuzzTarget.Encode, bytes, ct);

        Assert.Equal(StatusCode.OK, status);
    }

    internal static byte[] Damaged(FuzzTarget target, string damage)
    {
        byte[] invalid = damage == "ff-fe" ? [0xFF, 0xFE] : [0xED, 0xA0, 0x80];
        return (target, damage) switch
        {
            (FuzzTarget.Denoise, "truncated") => new DenoiseRequest { Open = new SessionOpen { SessionId = "truncated" } }.ToByteArray()[..^2],
            (FuzzTarget.Denoise, _) => ProtoBytes.LengthDelimited(1, ProtoBytes.LengthDelimited(1, invalid)),
            (FuzzTarget.Decode, "truncated") => new DecodeRequest { Latents = new Core.Tensors.HostTensor(new float[64], [1, 4, 4, 4]).ToProto() }.ToByteArray()[..^5],
            (FuzzTarget.Decode, _) => [0xFF, 0xFF, 0xFF, 0xFF, 0x0F],
            (_, "truncated") => new GenerateRequest { Prompt = "a red circle" }.ToByteArray()[..^3],
            _ => ProtoBytes.LengthDelimited(1, [(byte)'a', .. invalid]),
        };
    }

    internal async Task<(StatusCode Status, string Detail)> SendAsync(string service, FuzzTarget target, byte[] bytes, CancellationToken ct)
    {
        var address = service == "gateway" ? fixture.System.Gateway : fixture.System.Services[service].Grpc;
        using var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { MaxSendMessageSize = null });
        return await FuzzRunner.SendAsync(channel.CreateCallInvoker(), new FuzzCase(0, target, "test", [bytes], FuzzExpectation.Invalid), ct);
    }
}
