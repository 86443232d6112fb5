namespace Chats.IntegrationTests;

/// <summary>Tests sharing one running system; serial, since they share native TorchSharp state and counters.</summary>
[CollectionDefinition(Name)]
public sealed class RunningSystem : ICollectionFixture<ChatsSystemFixture>
{
    public const string Name = "chats-system";
}
