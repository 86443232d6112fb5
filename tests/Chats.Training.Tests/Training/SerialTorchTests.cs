namespace Chats.Training.Tests.Training;

/// <summary>Trainer tests seed the global torch RNG: they run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialTorchTests
{
    public const string Name = "TorchSharp global state";
}
