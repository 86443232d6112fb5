using Chats.Protos.V1;
using Grpc.Core;

namespace Chats.IntegrationTests;

[Collection(RunningSystem.Name)]
public sealed class ValidationTests(ChatsSystemFixture fixture)
{
    public static TheoryData<string, string> MalformedRequests => new()
    {
        { "empty-prompt", "prompt" },
        { "blank-prompt", "prompt" },
        { "zero-is-default-but-negative-width", "width" },
        { "width-not-multiple", "width" },
        { "height-not-multiple", "height" },
        { "steps-too-many", "steps" },
        { "steps-negative", "steps" },
        { "guidance-nan", "guidance_scale" },
        { "guidance-absurd", "guidance_scale" },
        { "alpha-infinite", "alpha" },
        { "alpha-negative", "alpha" },
        { "unknown-mode", "mode" },
        { "unknown-scheduler", "scheduler" },
        { "flow-scheduler-on-epsilon-model", "scheduler" },
        { "too-many-images", "num_images" },
    };

    [Theory]
    [MemberData(nameof(MalformedRequests))]
    public async Task MalformedRequest_GetsInvalidArgumentNamingTheField(string name, string field)
    {
        var request = Requests.Small("a red circle", GuidanceMode.Chats);
        switch (name)
        {
            case "empty-prompt": request.Prompt = string.Empty; break;
            case "blank-prompt": request.Prompt = "   "; break;
            case "zero-is-default-but-negative-width": request.Width = -32; break;
            case "width-not-multiple": request.Width = 30; break;
            case "height-not-multiple": request.Height = 33; break;
            case "steps-too-many": request.Steps = 100_000; break;
            case "steps-negative": request.Steps = -1; break;
            case "guidance-nan": request.GuidanceScale = float.NaN; break;
            case "guidance-absurd": request.GuidanceScale = 1e9f; break;
            case "alpha-infinite": request.Alpha = float.PositiveInfinity; break;
            case "alpha-negative": request.Alpha = -0.5f; break;
            case "unknown-mode": request.Mode = (GuidanceMode)99; break;
            case "unknown-scheduler": request.Scheduler = (SchedulerType)99; break;
            case "flow-scheduler-on-epsilon-model": request.Scheduler = SchedulerType.FlowMatchEuler; break;
            case "too-many-images": request.NumImages = 1000; break;
        }

        using var client = fixture.GatewayClient();
        var error = await Assert.ThrowsAsync<RpcException>(() => client.GenerateAsync(request, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith(field + ":", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DenoiserStream_StepBeforeOpen_IsInvalidArgument()
    {
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(fixture.System.Services["preferred"].Grpc);
        var client = new Protos.V1.Denoiser.DenoiserClient(channel);
        using var call = client.Denoise(cancellationToken: TestContext.Current.CancellationToken);
        await call.RequestStream.WriteAsync(new DenoiseRequest { Step = new StepRequest { SessionId = "x" } }, TestContext.Current.CancellationToken);
        await call.RequestStream.CompleteAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(TestContext.Current.CancellationToken));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith("open:", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExpiredDeadline_IsDeadlineExceeded()
    {
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(fixture.System.Gateway);
        var client = new Protos.V1.Sampler.SamplerClient(channel);
        using var call = client.Generate(Requests.Small("a red circle", GuidanceMode.Chats, steps: 50), deadline: DateTime.UtcNow.AddMilliseconds(50), cancellationToken: TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(TestContext.Current.CancellationToken))
            {
            }
        });
        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
    }
}
