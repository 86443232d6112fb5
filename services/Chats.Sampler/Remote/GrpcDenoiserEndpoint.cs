using Chats.Core.Sampling;
using Chats.Core.Tensors;
using Chats.Protos.V1;
using Chats.ServiceDefaults;
using Grpc.Core;

namespace Chats.Sampler.Remote;

/// <summary>
/// A denoiser service as an <see cref="IDenoiserEndpoint"/>: each session is one bidirectional stream, opened
/// with the conditionings once, then one request and one response per step. Latents travel in
/// <paramref name="wireDType"/>, and the session asks for its predictions in it too.
/// </summary>
/// <remarks>
/// The conditionings stay fp32 whatever <paramref name="wireDType"/> is: they cross once per session (a small share of
/// a generation's bytes), and keeping them exact leaves the per-step rounding as the only effect of a 16-bit wire.
/// </remarks>
internal sealed class GrpcDenoiserEndpoint(Protos.V1.Denoiser.DenoiserClient client, WireDType wireDType) : IDenoiserEndpoint
{
    /// <summary>The generated client (for GetInfo).</summary>
    public Protos.V1.Denoiser.DenoiserClient Client => client;

    public async Task<IDenoiserSession> OpenSessionAsync(DenoiserSessionSetup setup, CancellationToken cancellationToken)
    {
        var call = client.Denoise(cancellationToken: cancellationToken);
        try
        {
            var open = new SessionOpen { SessionId = setup.SessionId, Dtype = wireDType.ToProto(), FirstStepIndex = setup.FirstStepIndex };
            open.Conditionings.AddRange(setup.Conditionings.Select(c => c.ToProto()));
            await call.RequestStream.WriteAsync(new DenoiseRequest { Open = open }, cancellationToken);
            return new Session(call, setup.SessionId, wireDType);
        }
        catch
        {
            call.Dispose();
            throw;
        }
    }

    private sealed class Session(AsyncDuplexStreamingCall<DenoiseRequest, DenoiseResponse> call, string sessionId, WireDType wireDType) : IDenoiserSession
    {
        // The pipeline awaits each step before the next, but a lock keeps the stream's single-writer rule
        // explicit should a caller ever overlap steps.
        private readonly SemaphoreSlim _gate = new(1, 1);

        public async Task<IReadOnlyList<HostTensor>> PredictAsync(
            int stepIndex, float timestep, HostTensor latent, IReadOnlyList<int> conditioningIndices, CancellationToken cancellationToken)
        {
            await _gate.WaitAsync(cancellationToken);
            try
            {
                // fp32 wraps the latent's array instead of copying it: the run hands every participant a fresh model
                // input that nothing writes to while the step is in flight, and the write below serialises it.
                var wire = WireTensorCodec.WrapOrEncode(latent, wireDType);
                var step = new StepRequest { SessionId = sessionId, StepIndex = stepIndex, Timestep = timestep, Latent = wire.ToProto() };
                step.ConditioningIndices.AddRange(conditioningIndices);
                await call.RequestStream.WriteAsync(new DenoiseRequest { Step = step }, cancellationToken);
                if (!await call.ResponseStream.MoveNext(cancellationToken))
                {
                    throw new RpcException(new Status(StatusCode.Unavailable, $"denoiser closed session {sessionId} before answering step {stepIndex}"));
                }

                var response = call.ResponseStream.Current;
                if (response.StepIndex != stepIndex || response.Predictions.Count != conditioningIndices.Count)
                {
                    throw new RpcException(new Status(StatusCode.Internal, $"denoiser answered step {response.StepIndex} with {response.Predictions.Count} predictions for step {stepIndex}"));
                }

                return response.Predictions.Select((p, i) => p.ToHost($"predictions[{i}]")).ToList();
            }
            finally
            {
                _gate.Release();
            }
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await call.RequestStream.CompleteAsync();
                // Drain so the server's handler finishes cleanly rather than seeing a reset.
                while (await call.ResponseStream.MoveNext(CancellationToken.None))
                {
                }
            }
            catch (RpcException)
            {
                // The call already failed or was cancelled; that error has been reported to the caller.
            }
            catch (InvalidOperationException)
            {
                // Request stream already completed by a failed call.
            }
            finally
            {
                call.Dispose();
                _gate.Dispose();
            }
        }
    }
}
