using Chats.Protos.V1;

namespace Chats.IntegrationTests;

[Collection(RunningSystem.Name)]
public sealed class AbSplitTests(ChatsSystemFixture fixture)
{
    [Fact]
    public async Task RequestsWithoutMode_SplitNearConfiguredWeights_AndStickPerClientKey()
    {
        var ct = TestContext.Current.CancellationToken;
        const int clients = 60;
        var arms = new Dictionary<string, string>();
        for (int i = 0; i < clients; i++)
        {
            string key = $"client-{i}";
            using var client = fixture.GatewayClient(key);
            var result = await client.GenerateAsync(Requests.Small("a red circle", GuidanceMode.Unspecified, steps: 1), cancellationToken: ct);
            arms[key] = result.Arm;
            // The arm in the response header and the field agree, and the mode is the arm's.
            Assert.Equal(result.Arm, result.Started.Arm);
            Assert.Equal(result.Arm == "cfg" ? GuidanceMode.Cfg : GuidanceMode.Chats, result.Started.Mode);
        }

        // Default split is 50/50. With 60 clients the CHATS share has a standard deviation of about 0.065;
        // [0.25, 0.75] is almost four of them, so only a broken split (or one far from the weights) fails.
        double chatsShare = arms.Values.Count(a => a == "chats") / (double)clients;
        Assert.InRange(chatsShare, 0.25, 0.75);
        Assert.All(arms.Values, a => Assert.Contains(a, new[] { "chats", "cfg" }));

        for (int i = 0; i < 10; i++)
        {
            string key = $"client-{i}";
            using var client = fixture.GatewayClient(key);
            var again = await client.GenerateAsync(Requests.Small("a blue square", GuidanceMode.Unspecified, steps: 1), cancellationToken: ct);
            Assert.Equal(arms[key], again.Arm);
        }
    }

    [Fact]
    public async Task RequestNamingAMode_IsNotOverriddenByTheArm()
    {
        using var client = fixture.GatewayClient("client-explicit");
        var result = await client.GenerateAsync(Requests.Small("a red circle", GuidanceMode.ChatsFull, steps: 1), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(GuidanceMode.ChatsFull, result.Started.Mode);
        Assert.Equal("explicit", result.Arm);
        Assert.Equal(string.Empty, result.Started.Arm);
    }
}
