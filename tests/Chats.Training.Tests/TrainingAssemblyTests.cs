namespace Chats.Training.Tests;

public sealed class TrainingAssemblyTests
{
    [Fact]
    public void Name_IsTheLibraryAssembly() => Assert.Equal("Chats.Training", TrainingAssembly.Name);
}
