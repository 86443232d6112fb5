using Chats.Cli.Commands;
using Chats.Gateway;
using Chats.Gateway.Auth;
using Chats.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Chats.IntegrationTests;

/// <summary>The key store (hashes, lookup, the Bearer credential), the validation of <c>Gateway:Auth</c> and <c>hash-key</c>.</summary>
public sealed class ApiKeyStoreTests
{
    // SHA-256("abc"), FIPS 180-2 appendix B.1.
    private const string AbcSha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    [Fact]
    public void Hash_IsTheLowerCaseHexSha256OfTheUtf8Key()
    {
        Assert.Equal(AbcSha256, ApiKeyStore.Hash("abc"));
        Assert.Equal(AbcSha256, GatewayCommands.Hash(new StringReader("abc\n")));
        Assert.Equal(AbcSha256, GatewayCommands.Hash(new StringReader("abc")));
        Assert.NotEqual(AbcSha256, GatewayCommands.Hash(new StringReader("abc \n")));
        Assert.Throws<InvalidOperationException>(() => GatewayCommands.Hash(new StringReader("\n")));
    }

    [Fact]
    public void Find_MatchesOnlyTheKeyWhoseHashIsStored_AndAppliesDefaults()
    {
        var store = Store(new ApiKeyOptions { Name = "alice", Sha256 = AbcSha256.ToUpperInvariant() }, new ApiKeyOptions { Name = "ops", Sha256 = ApiKeyStore.Hash("ops-key"), RequestsPerMinute = 600, MaxConcurrentGenerations = 0, AllowArmOverride = true });

        var alice = store.Find("abc");
        var ops = store.Find("ops-key");

        Assert.Equal(new ApiKey("alice", 60, 60, 4, false, "Gateway:Auth:DefaultRequestsPerMinute", "Gateway:Auth:DefaultMaxConcurrentGenerations"), alice);
        Assert.Equal(new ApiKey("ops", 600, 600, 0, true, "Gateway:Auth:Keys:1:RequestsPerMinute", "Gateway:Auth:Keys:1:MaxConcurrentGenerations"), ops);
        Assert.Null(store.Find("abd"));
        Assert.Null(store.Find(AbcSha256));
        Assert.Null(store.Find(string.Empty));
    }

    [Theory]
    [InlineData(null, "missing")]
    [InlineData("", "missing")]
    [InlineData("abc", "malformed")]
    [InlineData("Basic abc", "malformed")]
    [InlineData("Bearer", "malformed")]
    [InlineData("Bearer ", "malformed")]
    [InlineData("Bearer a b", "malformed")]
    [InlineData("Bearer abd", "unknown")]
    [InlineData("Bearer abc", null)]
    [InlineData("bearer  abc", null)]
    public void Authenticate_ReadsABearerCredential(string? authorization, string? failure)
    {
        var store = Store(new ApiKeyOptions { Name = "alice", Sha256 = AbcSha256 });

        var check = store.Authenticate(authorization);

        Assert.Equal(failure, check.Failure);
        Assert.Equal(failure is null ? "alice" : null, check.Key?.Name);
        Assert.True(failure is null || check.Detail!.StartsWith("authorization: ", StringComparison.Ordinal), check.Detail);
    }

    [Fact]
    public void BadKeys_FailStartUp_OneLineEach_NamingTheKey_NeverShowingTheValue()
    {
        var e = Assert.Throws<OptionsValidationException>(() => GatewayHost.Build([], new Dictionary<string, string?>
        {
            ["Endpoints:GrpcPort"] = "0",
            ["Endpoints:HttpPort"] = "0",
            ["Gateway:Samplers:0"] = "http://127.0.0.1:1/",
            ["Gateway:Auth:Enabled"] = "true",
            ["Gateway:Auth:Keys:0:Name"] = "alice",
            ["Gateway:Auth:Keys:0:Sha256"] = "the-key-itself",
            ["Gateway:Auth:Keys:1:Name"] = "Alice",
            ["Gateway:Auth:Keys:1:Sha256"] = AbcSha256,
            ["Gateway:Auth:Keys:1:MaxConcurrentGenerations"] = "-1",
            ["Gateway:Auth:Keys:2:Sha256"] = AbcSha256,
        }));

        Assert.Equal(
        [
            "Gateway:Auth:Keys:0:Sha256 (key 'alice'): not 64 hex digits; set the lower-case hex SHA-256 of the key (./chats gateway hash-key), never the key itself (the value is not shown, in case it is one)",
            "Gateway:Auth:Keys:1:Name = 'Alice': Gateway:Auth:Keys:0:Name has the same name; names must be unique",
            "Gateway:Auth:Keys:1:MaxConcurrentGenerations (key 'Alice') = '-1': out of range; use 0 (no limit) or more",
            "Gateway:Auth:Keys:2:Name: required, and not set",
            "Gateway:Auth:Keys:2:Sha256 (key ''): the same hash as Gateway:Auth:Keys:1:Sha256; each key needs its own",
        ], ConfigurationErrors.Describe(e));
        Assert.DoesNotContain(e.Failures, f => f.Contains("the-key-itself", StringComparison.Ordinal));
    }

    [Fact]
    public void AuthOnWithoutKeys_FailsStartUp()
    {
        var e = Assert.Throws<OptionsValidationException>(() => GatewayHost.Build([], new Dictionary<string, string?>
        {
            ["Endpoints:GrpcPort"] = "0",
            ["Endpoints:HttpPort"] = "0",
            ["Gateway:Samplers:0"] = "http://127.0.0.1:1/",
            ["Gateway:Auth:Enabled"] = "true",
        }));

        Assert.Equal(["Gateway:Auth:Enabled is true but Gateway:Auth:Keys lists no key: add one (Gateway:Auth:Keys:0:Name and :Sha256) or turn auth off"], e.Failures);
    }

    [Fact]
    public void MissingConfigFile_FailsStartUp_NamingTheKey()
    {
        string missing = Path.Combine(Path.GetTempPath(), "chats-no-such-" + Guid.NewGuid().ToString("N") + ".json");

        var e = Assert.Throws<OptionsValidationException>(() => GatewayHost.Build([], new Dictionary<string, string?> { ["Gateway:ConfigFile"] = missing }));

        Assert.Equal([$"Gateway:ConfigFile = '{missing}': no such file ({missing})"], e.Failures);
    }

    private static ApiKeyStore Store(params ApiKeyOptions[] keys) => new(Options.Create(new GatewayAuthOptions { Enabled = true, Keys = keys }));
}
