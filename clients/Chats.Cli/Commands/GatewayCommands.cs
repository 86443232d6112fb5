using System.CommandLine;
using Chats.Gateway.Auth;

namespace Chats.Cli.Commands;

/// <summary><c>chats gateway …</c>: helpers for configuring the gateway.</summary>
internal static class GatewayCommands
{
    public static Command Create() => new("gateway", "Helpers for configuring the gateway.") { HashKey() };

    /// <summary>
    /// The value of <c>Gateway:Auth:Keys:N:Sha256</c> for the key read from <paramref name="input"/>: one line ending
    /// (as <c>echo</c> adds) is dropped, so <c>echo KEY | chats gateway hash-key</c> and <c>printf %s KEY | sha256sum</c> agree.
    /// </summary>
    public static string Hash(TextReader input)
    {
        ArgumentNullException.ThrowIfNull(input);
        string key = input.ReadToEnd();
        key = key.EndsWith("\r\n", StringComparison.Ordinal) ? key[..^2] : key.EndsWith('\n') ? key[..^1] : key;
        if (key.Length == 0)
        {
            throw new InvalidOperationException("no key on stdin; e.g. printf %s \"$KEY\" | chats gateway hash-key");
        }

        return ApiKeyStore.Hash(key);
    }

    private static Command HashKey()
    {
        var command = new Command("hash-key", "Read an API key from stdin and print its lower-case hex SHA-256, the value of Gateway:Auth:Keys:N:Sha256 (the gateway stores no key).");
        command.SetAction(_ =>
        {
            Console.WriteLine(Hash(Console.In));
            return 0;
        });
        return command;
    }
}
