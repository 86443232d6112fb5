namespace Chats.Training;

/// <summary>Marker for the training library (assembly lookups, e.g. embedded resources).</summary>
public static class TrainingAssembly
{
    /// <summary>The library's assembly name.</summary>
    public static string Name => typeof(TrainingAssembly).Assembly.GetName().Name!;
}
