using Chats.Client;
using Chats.Protos.V1;
using Chats.ServiceDefaults;
using Grpc.Core;

namespace Chats.IntegrationTests;

/// <summary>
/// Bounded queues through the gateway: a sampler that runs at most two generations, shared backends of the running
/// system, and a burst well above that. Every call ends OK or RESOURCE_EXHAUSTED with a retry hint (the detail and the
/// <c>retry-after-ms</c> trailer, forwarded by the gateway); no accepted generation is lost or changed.
/// </summary>
[Collection(RunningSystem.Name)]
public sealed class LoadSheddingTests(ChatsSystemFixture fixture) : IAsyncDisposable
{
    private const int Capacity = 2;
    private const int Burst = 12;
    private const int Distinct = 4;
    private readonly TestHosts _hosts = new(fixture);

    [Fact]
    public async Task BurstAboveSamplerCapacity_IsOkOrResourceExhaustedWithRetryHint_AndOkImagesEqualTheirReference()
    {
        var ct = TestContext.Current.CancellationToken;
        var sampler = await _hosts.StartSamplerAsync(ct, new()
        {
            ["Sampler:MaxConcurrentGenerations"] = Capacity.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        var gateway = await _hosts.StartGatewayAsync([sampler.BoundAddresses()[0]], ct);
        using var client = new ChatsClient(gateway.BoundAddresses()[0], SdkClients.WithoutRetries());
        var requests = Enumerable.Range(0, Distinct)
            .Select(i => Requests.Small($"a shed circle {i}", GuidanceMode.Chats, steps: 12, seed: 40 + (ulong)i))
            .ToList();
        var references = new List<byte[]>();
        foreach (var request in requests)
        {
            references.Add((await client.GenerateAsync(request, cancellationToken: ct)).Images[0].Png.ToByteArray());
        }

        // One long generation holds a slot first (its first progress event means the sampler admitted it), so the
        // burst competes for the one slot left and most of it is refused rather than depending on timing alone.
        var held = Requests.Small("a long held square", GuidanceMode.Chats, steps: 150, seed: 3);
        var heldEvents = client.StreamAsync(held, ct).GetAsyncEnumerator(ct);
        while (await heldEvents.MoveNextAsync() && heldEvents.Current.EventCase != GenerateEvent.EventOneofCase.Progress)
        {
        }

        var outcomes = await Task.WhenAll(Enumerable.Range(0, Burst).Select(async i =>
        {
            try
            {
                var result = await client.GenerateAsync(requests[i % Distinct], cancellationToken: ct);
                return (Index: i, Image: result.Images[0].Png.ToByteArray(), Error: (RpcException?)null);
            }
            catch (RpcException e)
            {
                return (Index: i, Image: (byte[]?)null, Error: e);
            }
        }));
        while (await heldEvents.MoveNextAsync())
        {
        }

        await heldEvents.DisposeAsync();

        var refused = outcomes.Where(o => o.Error is not null).Select(o => o.Error!).ToList();
        Assert.All(refused, e =>
        {
            Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
            Assert.Equal("the sampler is running its maximum number of generations; retry in 1 s", e.Status.Detail);
            Assert.Equal("1000", e.Trailers.GetValue(RetryHint.TrailerKey));
            Assert.Equal(TimeSpan.FromSeconds(1), RetryHints.RetryAfter(e));
        });
        Assert.NotEmpty(refused);
        var accepted = outcomes.Where(o => o.Error is null).ToList();
        Assert.NotEmpty(accepted);

        // One free slot: the accepted ones ran one at a time next to the held generation, whose steps may share a
        // forward with theirs; batched rounding moves at most ±1 of 8 bits (docs/benchmarks.md), so allow 2.
        Assert.All(accepted, o => Assert.InRange(MaxDifference(references[o.Index % Distinct], o.Image!), 0, 2));
    }

    public ValueTask DisposeAsync() => _hosts.DisposeAsync();

    private static int MaxDifference(byte[] expected, byte[] actual)
    {
        if (expected.AsSpan().SequenceEqual(actual))
        {
            return 0;
        }

        var a = Training.Data.RgbImageDecoder.Decode(expected);
        var b = Training.Data.RgbImageDecoder.Decode(actual);
        Assert.Equal((a.Width, a.Height), (b.Width, b.Height));
        return a.Rgb.Zip(b.Rgb, (x, y) => Math.Abs(x - y)).Max();
    }
}
