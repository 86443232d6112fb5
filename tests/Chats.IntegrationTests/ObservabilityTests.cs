using Grpc.Health.V1;
using Grpc.Net.Client;

namespace Chats.IntegrationTests;

[Collection(RunningSystem.Name)]
public sealed class ObservabilityTests(ChatsSystemFixture fixture)
{
    [Theory]
    [InlineData("text-encoder")]
    [InlineData("preferred")]
    [InlineData("dispreferred")]
    [InlineData("standard")]
    [InlineData("decoder")]
    [InlineData("sampler")]
    [InlineData("gateway")]
    public async Task EveryService_ReportsServingOnTheGrpcHealthService(string service)
    {
        using var channel = GrpcChannel.ForAddress(fixture.System.Services[service].Grpc);
        var health = new Health.HealthClient(channel);

        var response = await health.CheckAsync(new HealthCheckRequest(), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task MetricsEndpoint_ExportsStepLatencyRequestsAndCacheCounters()
    {
        using var client = fixture.GatewayClient();
        await client.GenerateAsync(Requests.Small("a red circle", Protos.V1.GuidanceMode.Chats, steps: 2), cancellationToken: TestContext.Current.CancellationToken);
        using var http = new HttpClient();

        string metrics = await http.GetStringAsync(new Uri(fixture.System.Services["preferred"].Http, "metrics"), TestContext.Current.CancellationToken);

        Assert.Contains("chats_step_seconds_bucket{role=\"preferred\"", metrics, StringComparison.Ordinal);
        Assert.Contains("chats_grpc_requests_total{service=\"chats.v1.Denoiser\",method=\"Denoise\",code=\"OK\"}", metrics, StringComparison.Ordinal);
        Assert.Contains("chats_embedding_cache_total{result=\"miss\"}", metrics, StringComparison.Ordinal);
    }
}
