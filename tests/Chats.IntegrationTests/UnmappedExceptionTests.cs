using Chats.Protos.V1;
using Chats.ServiceDefaults;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;

namespace Chats.IntegrationTests;

/// <summary>An exception the status interceptor does not map still ends the call, and is counted as what the client got.</summary>
public sealed class UnmappedExceptionTests
{
    [Fact]
    public async Task UnmappedException_AnswersUnknownWithoutItsMessage_AndIsCountedAsUnknown()
    {
        var ct = TestContext.Current.CancellationToken;
        var builder = ChatsServiceHost.CreateBuilder([], new Dictionary<string, string?>
        {
            ["Endpoints:Host"] = "127.0.0.1",
            ["Endpoints:GrpcPort"] = "0",
            ["Endpoints:HttpPort"] = "0",
            // The interceptor logs the failure as an error; nothing to show here.
            ["Logging:LogLevel:Default"] = "None",
        });
        await using var app = builder.Build();
        app.MapChatsServiceDefaults();
        app.MapGrpcService<BrokenDecoderService>();
        await app.StartAsync(ct);
        var (grpc, http) = (app.BoundAddresses()[0], app.BoundAddresses()[1]);
        string series = MetricsScrape.Requests("chats.v1.Decoder", "GetInfo", "Unknown");
        double before = await MetricsScrape.ValueAsync(http, series, ct);
        using var channel = GrpcChannel.ForAddress(grpc);

        var error = await Assert.ThrowsAsync<RpcException>(async () => await new Protos.V1.Decoder.DecoderClient(channel).GetInfoAsync(new DecoderInfoRequest(), cancellationToken: ct));

        Assert.Equal(StatusCode.Unknown, error.StatusCode);
        Assert.DoesNotContain(BrokenDecoderService.Failure, error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before + 1, await MetricsScrape.ValueAsync(http, series, ct));
        await app.StopAsync(ct);
    }
}
