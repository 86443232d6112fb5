using Chats.Core.Sampling;
using Chats.LocalSystem;
using Chats.Protos.V1;
using Chats.TextEncoder;
using Grpc.Net.Client;
using StackExchange.Redis;

namespace Chats.IntegrationTests;

[Collection(RunningSystem.Name)]
public sealed class EmbeddingCacheTests(ChatsSystemFixture fixture)
{
    [Fact]
    public async Task RepeatedPrompt_IsACacheHitStoredInRedis()
    {
        string prompt = "a cache probe " + Guid.NewGuid().ToString("N");
        using var channel = GrpcChannel.ForAddress(fixture.System.Services["text-encoder"].Grpc);
        var client = new Protos.V1.TextEncoder.TextEncoderClient(channel);
        var ct = TestContext.Current.CancellationToken;
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.RedisConfiguration);
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        long keysBefore = await server.DatabaseSizeAsync();

        var first = await client.EncodeAsync(new EncodeRequest { Prompts = { prompt } }, cancellationToken: ct);
        // The store runs after the response (it never holds up the request): wait for it to land.
        long keysAfter = await server.DatabaseSizeAsync();
        for (int i = 0; i < 50 && keysAfter == keysBefore; i++)
        {
            await Task.Delay(100, ct);
            keysAfter = await server.DatabaseSizeAsync();
        }

        var second = await client.EncodeAsync(new EncodeRequest { Prompts = { prompt } }, cancellationToken: ct);

        Assert.False(first.Conditionings[0].CacheHit);
        Assert.True(second.Conditionings[0].CacheHit);
        Assert.Equal(keysBefore + 1, keysAfter);
        Assert.Equal(first.Conditionings[0].Tensors[ConditioningNames.PromptEmbeds].Data, second.Conditionings[0].Tensors[ConditioningNames.PromptEmbeds].Data);
    }

    [Fact]
    public async Task UnreachableRedis_EncodingStillWorks_AndTheFailureIsCounted()
    {
        var ct = TestContext.Current.CancellationToken;
        var app = TextEncoderServiceHost.Build([], new Dictionary<string, string?>
        {
            ["TextEncoder:ModelPath"] = fixture.ModelPath,
            ["EmbeddingCache:Redis"] = $"127.0.0.1:{RedisServer.FreePort()}",
            ["EmbeddingCache:RedisTimeoutMilliseconds"] = "200",
            ["Endpoints:GrpcPort"] = "0",
            ["Endpoints:HttpPort"] = "0",
            ["Logging:LogLevel:Default"] = "None",
        });
        await app.StartAsync(ct);
        try
        {
            var addresses = ServiceDefaults.ServiceDefaultsExtensions.BoundAddresses(app);
            using var channel = GrpcChannel.ForAddress(addresses[0]);
            var client = new Protos.V1.TextEncoder.TextEncoderClient(channel);
            double errorsBefore = ServiceDefaults.ChatsMetrics.EmbeddingCache.WithLabels("error").Value;

            // The first calls may come while the first connection attempt is still under way: those skip Redis
            // without a failure to count. Every call answers, from the model.
            for (int i = 0; i < 50 && ServiceDefaults.ChatsMetrics.EmbeddingCache.WithLabels("error").Value == errorsBefore; i++)
            {
                var response = await client.EncodeAsync(new EncodeRequest { Prompts = { "a red circle", string.Empty } }, cancellationToken: ct);

                Assert.Equal(2, response.Conditionings.Count);
                Assert.All(response.Conditionings, c => Assert.False(c.CacheHit));
                await Task.Delay(100, ct);
            }

            Assert.True(ServiceDefaults.ChatsMetrics.EmbeddingCache.WithLabels("error").Value > errorsBefore);
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }
    }
}
