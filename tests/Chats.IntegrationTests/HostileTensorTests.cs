using Chats.Core.Sampling;
using Chats.Core.Tensors;
using Chats.Inference.Engine;
using Microsoft.Extensions.DependencyInjection;
using Chats.Protos.V1;
using Chats.ServiceDefaults;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace Chats.IntegrationTests;

/// <summary>
/// Tensors and sizes a direct caller can send the denoiser and the decoder: unnamed dtypes, NaN/Inf conditionings and
/// sizes beyond what a generation through the sampler can need are INVALID_ARGUMENT naming the field (and the setting
/// that bounds it), with details that carry no .NET "(Parameter '…')" suffix.
/// </summary>
[Collection(RunningSystem.Name)]
public sealed class HostileTensorTests(ChatsSystemFixture fixture)
{
    public static TheoryData<string, string> DenoiserCases => new()
    {
        { "latent-dtype-unspecified", "step.latent.dtype: is DTYPE_UNSPECIFIED; a tensor must name the dtype of its data (DTYPE_FLOAT32, DTYPE_FLOAT16 or DTYPE_BFLOAT16)" },
        { "hidden-dtype-unspecified", "open.conditionings[0].tensors[prompt_embeds].dtype: is DTYPE_UNSPECIFIED; a tensor must name the dtype of its data (DTYPE_FLOAT32, DTYPE_FLOAT16 or DTYPE_BFLOAT16)" },
        { "conditioning-nan", "open.conditionings[0].tensors[prompt_embeds]: contains NaN or infinite values" },
        { "conditioning-inf", "open.conditionings[1].tensors[prompt_embeds]: contains NaN or infinite values" },
        { "latent-side", "step.latent: shape [1, 4, 1, {side}]: height and width must be at most {max} (Denoiser:MaxLatentSide)" },
        { "latent-batch", "step.latent: shape [9, 4, 4, 4]: batch 9 exceeds 8 (Denoiser:MaxLatentBatch)" },
        { "tokens", "open.conditionings[0].tensors[prompt_embeds]: 309 tokens; at most 308 (Denoiser:MaxConditioningTokens)" },
        { "conditionings", "open.conditionings: 5 given; at most 4 (Denoiser:MaxConditionings)" },
        { "latent-bytes", "step.latent: shape [1, 4, 4, 4] of Float32 needs 256 bytes but 252 were sent" },
    };

    [Theory]
    [MemberData(nameof(DenoiserCases))]
    public async Task DirectDenoiserCall_WithHostileInput_IsInvalidArgumentNamingTheField(string name, string expected)
    {
        var ct = TestContext.Current.CancellationToken;
        int maxSide = fixture.System.Services["preferred"].App.Services.GetRequiredService<DenoiserSessionEngine>().Options.MaxLatentSide;
        expected = expected.Replace("{side}", $"{maxSide + 1}", StringComparison.Ordinal).Replace("{max}", $"{maxSide}", StringComparison.Ordinal);
        var conditioning = await ConditioningAsync(ct);
        int tokens = (int)conditioning.Tensors[ConditioningNames.PromptEmbeds].Shape[0], hidden = (int)conditioning.Tensors[ConditioningNames.PromptEmbeds].Shape[1];
        var open = new SessionOpen { SessionId = "hostile/" + name, Dtype = DType.Float32, Conditionings = { conditioning, conditioning.Clone() } };
        var step = new StepRequest { SessionId = open.SessionId, StepIndex = 0, Timestep = 500, Latent = Latent([1, 4, 4, 4]), ConditioningIndices = { 0 } };
        switch (name)
        {
            case "latent-dtype-unspecified": step.Latent.Dtype = DType.Unspecified; break;
            case "hidden-dtype-unspecified": open.Conditionings[0].Tensors[ConditioningNames.PromptEmbeds].Dtype = DType.Unspecified; break;
            case "conditioning-nan": open.Conditionings[0].Tensors[ConditioningNames.PromptEmbeds] = Filled([tokens, hidden], float.NaN); break;
            case "conditioning-inf": open.Conditionings[1].Tensors[ConditioningNames.PromptEmbeds] = Filled([tokens, hidden], float.NegativeInfinity); break;
            case "latent-side": step.Latent = Latent([1, 4, 1, maxSide + 1]); break;
            case "latent-batch": step.Latent = Latent([9, 4, 4, 4]); break;
            case "tokens": open.Conditionings[0].Tensors[ConditioningNames.PromptEmbeds] = Filled([309, hidden], 0.5f); break;
            case "conditionings": open.Conditionings.AddRange([conditioning, conditioning, conditioning]); break;
            case "latent-bytes": step.Latent.Data = ByteString.CopyFrom(step.Latent.Data.Span[..252]); break;
        }

        using var channel = GrpcChannel.ForAddress(fixture.System.Services["preferred"].Grpc);
        using var call = new Protos.V1.Denoiser.DenoiserClient(channel).Denoise(cancellationToken: ct);
        await call.RequestStream.WriteAsync(new DenoiseRequest { Open = open }, ct);
        try
        {
            await call.RequestStream.WriteAsync(new DenoiseRequest { Step = step }, ct);
        }
        catch (RpcException)
        {
            // The open was refused before the step went out; the status is read below.
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(ct));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(expected, error.Status.Detail);
    }

    [Fact]
    public async Task SessionOpenDtypeUnspecified_KeepsItsDocumentedMeaning_Float32Predictions()
    {
        var ct = TestContext.Current.CancellationToken;
        var open = new SessionOpen { SessionId = "hostile/open-dtype-unspecified", Conditionings = { await ConditioningAsync(ct) } };
        using var channel = GrpcChannel.ForAddress(fixture.System.Services["preferred"].Grpc);
        using var call = new Protos.V1.Denoiser.DenoiserClient(channel).Denoise(cancellationToken: ct);

        await call.RequestStream.WriteAsync(new DenoiseRequest { Open = open }, ct);
        await call.RequestStream.WriteAsync(new DenoiseRequest { Step = new StepRequest { SessionId = open.SessionId, Timestep = 10, Latent = Latent([1, 4, 4, 4]), ConditioningIndices = { 0 } } }, ct);
        Assert.True(await call.ResponseStream.MoveNext(ct));
        await call.RequestStream.CompleteAsync();

        Assert.Equal(DType.Float32, call.ResponseStream.Current.Predictions[0].Dtype);
    }

    [Theory]
    [InlineData("dtype-unspecified", "latents.dtype: is DTYPE_UNSPECIFIED; a tensor must name the dtype of its data (DTYPE_FLOAT32, DTYPE_FLOAT16 or DTYPE_BFLOAT16)")]
    [InlineData("bytes-short", "latents: shape [1, 4, 4, 4] of Float32 needs 256 bytes but 252 were sent")]
    [InlineData("side-over-max", "latents: shape [1, 4, 1, {side}]: height and width must be at most {max} (the sampler's largest side over the spatial factor {factor})")]
    public async Task DirectDecoderCall_WithHostileLatents_IsInvalidArgumentWithAFieldFirstDetail(string name, string expected)
    {
        var ct = TestContext.Current.CancellationToken;
        using var channel = GrpcChannel.ForAddress(fixture.System.Services["decoder"].Grpc);
        var decoder = new Protos.V1.Decoder.DecoderClient(channel);
        int factor = (await decoder.GetInfoAsync(new DecoderInfoRequest(), cancellationToken: ct)).SpatialFactor;
        int max = new SamplingLimits().MaxSide / factor;
        expected = expected.Replace("{side}", $"{max + 1}", StringComparison.Ordinal).Replace("{max}", $"{max}", StringComparison.Ordinal).Replace("{factor}", $"{factor}", StringComparison.Ordinal);
        var latents = name == "side-over-max" ? Latent([1, 4, 1, max + 1]) : Latent([1, 4, 4, 4]);
        if (name == "dtype-unspecified")
        {
            latents.Dtype = DType.Unspecified;
        }
        else if (name == "bytes-short")
        {
            latents.Data = ByteString.CopyFrom(latents.Data.Span[..252]);
        }

        var error = await Assert.ThrowsAsync<RpcException>(async () => await decoder.DecodeAsync(new DecodeRequest { Latents = latents }, cancellationToken: ct));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(expected, error.Status.Detail);
        Assert.DoesNotContain("(Parameter", error.Status.Detail, StringComparison.Ordinal);
    }

    private async Task<Conditioning> ConditioningAsync(CancellationToken ct)
    {
        using var channel = GrpcChannel.ForAddress(fixture.System.Services["text-encoder"].Grpc);
        var encoded = await new Protos.V1.TextEncoder.TextEncoderClient(channel).EncodeAsync(new EncodeRequest { Prompts = { "a red circle" } }, cancellationToken: ct);
        return encoded.Conditionings[0];
    }

    private static Protos.V1.Tensor Latent(long[] shape)
        => new HostTensor(GaussianNoise.Sample((int)shape.Aggregate(1L, (a, b) => a * b), 3), shape).ToProto();

    private static Protos.V1.Tensor Filled(long[] shape, float value)
        => new HostTensor(Enumerable.Repeat(value, (int)shape.Aggregate(1L, (a, b) => a * b)).ToArray(), shape).ToProto();
}
