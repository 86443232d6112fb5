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

    [Theory]
    [InlineData("text-encoder", "chats.v1.TextEncoder")]
    [InlineData("preferred", "chats.v1.Denoiser")]
    [InlineData("decoder", "chats.v1.Decoder")]
    [InlineData("sampler", "chats.v1.Sampler")]
    public async Task HealthCheck_ByServiceName_ReportsServing_AndAnUnknownNameIsNotFound(string service, string contract)
    {
        using var channel = GrpcChannel.ForAddress(fixture.System.Services[service].Grpc);
        var health = new Health.HealthClient(channel);
        var ct = TestContext.Current.CancellationToken;

        var response = await health.CheckAsync(new HealthCheckRequest { Service = contract }, cancellationToken: ct);
        var unknown = await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () => await health.CheckAsync(new HealthCheckRequest { Service = "chats.v1.NoSuchService" }, cancellationToken: ct));

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
        Assert.Equal(Grpc.Core.StatusCode.NotFound, unknown.StatusCode);
    }

    [Theory]
    [InlineData("text-encoder", "chats.v1.TextEncoder")]
    [InlineData("preferred", "chats.v1.Denoiser")]
    [InlineData("decoder", "chats.v1.Decoder")]
    [InlineData("sampler", "chats.v1.Sampler")]
    [InlineData("gateway", "chats.v1.Sampler")]
    public async Task ServerReflection_ListsTheServiceContract(string service, string contract)
    {
        using var channel = GrpcChannel.ForAddress(fixture.System.Services[service].Grpc);
        var reflection = new Grpc.Reflection.V1Alpha.ServerReflection.ServerReflectionClient(channel);
        using var call = reflection.ServerReflectionInfo(cancellationToken: TestContext.Current.CancellationToken);

        await call.RequestStream.WriteAsync(new Grpc.Reflection.V1Alpha.ServerReflectionRequest { ListServices = string.Empty }, TestContext.Current.CancellationToken);
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(TestContext.Current.CancellationToken));

        var names = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains(contract, names);
        Assert.Contains("grpc.health.v1.Health", names);
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

    [Fact]
    public async Task DenoiserMetrics_CountStepsRowsAndForwards_AsDocumented()
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = new HttpClient();
        var metricsUri = new Uri(fixture.System.Services["dispreferred"].Http, "metrics");
        string before = await http.GetStringAsync(metricsUri, ct);
        using var client = fixture.GatewayClient();

        // CHATS full asks θ− for c and ∅ at every step: 3 steps = 3 requests, 6 rows.
        await client.GenerateAsync(Requests.Small("a blue square", Protos.V1.GuidanceMode.ChatsFull, steps: 3), cancellationToken: ct);
        string after = await http.GetStringAsync(metricsUri, ct);

        double Delta(string name) => Value(after, name) - Value(before, name);
        const string Role = "{role=\"dispreferred\"}";
        Assert.True(Delta("chats_denoiser_request_success_total" + Role) >= 3);
        Assert.True(Delta("chats_denoiser_inference_count_total" + Role) >= 6);
        double executions = Delta("chats_denoiser_execution_count_total" + Role);
        Assert.InRange(executions, 1, Delta("chats_denoiser_request_success_total" + Role));
        Assert.True(Delta("chats_denoiser_batch_size_count" + Role) == executions);
        Assert.True(Delta("chats_denoiser_queue_duration_seconds_count" + Role) >= 3);
        Assert.Contains("chats_denoiser_pending_steps" + Role, after, StringComparison.Ordinal);
        Assert.Contains("chats_denoiser_active_sessions" + Role, after, StringComparison.Ordinal);

        string sampler = await http.GetStringAsync(new Uri(fixture.System.Services["sampler"].Http, "metrics"), ct);
        Assert.True(Value(sampler, "chats_generation_duration_seconds_count{mode=\"chats_full\"}") >= 1);
        Assert.Contains("chats_sampler_inflight_generations", sampler, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SamplerPhaseMetrics_TimeEveryDenoiserCallAndPhase_AsDocumented()
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = new HttpClient();
        var metricsUri = new Uri(fixture.System.Services["sampler"].Http, "metrics");
        string before = await http.GetStringAsync(metricsUri, ct);
        using var client = fixture.GatewayClient();

        // CHATS calls θ+ and θ− once per step: 4 steps = 4 calls each, 4 guidance steps, one encode and one decode.
        await client.GenerateAsync(Requests.Small("a green triangle", Protos.V1.GuidanceMode.Chats, steps: 4), cancellationToken: ct);
        string after = await http.GetStringAsync(metricsUri, ct);

        double Delta(string name) => Value(after, name) - Value(before, name);
        foreach (string role in new[] { "preferred", "dispreferred" })
        {
            string labels = $"{{role=\"{role}\"}}";
            Assert.True(Delta("chats_sampler_denoiser_call_duration_seconds_count" + labels) >= 4, role);
            Assert.True(Delta("chats_sampler_denoiser_call_duration_seconds_sum" + labels) > 0, role);
        }

        Assert.True(Delta("chats_sampler_phase_duration_seconds_count{phase=\"guidance\"}") >= 4);
        Assert.True(Delta("chats_sampler_phase_duration_seconds_count{phase=\"encode\"}") >= 1);
        Assert.True(Delta("chats_sampler_phase_duration_seconds_count{phase=\"decode\"}") >= 1);
        Assert.True(Delta("chats_sampler_phase_duration_seconds_sum{phase=\"decode\"}") > 0);
    }

    /// <summary>The value of one exposition line (0 when the series has not been written yet).</summary>
    private static double Value(string exposition, string series)
    {
        foreach (string line in exposition.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}
