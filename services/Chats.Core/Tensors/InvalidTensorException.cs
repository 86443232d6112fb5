namespace Chats.Core.Tensors;

/// <summary>A tensor received from outside does not describe a valid tensor.</summary>
public sealed class InvalidTensorException : ArgumentException
{
    /// <summary>Creates the exception for the request field <paramref name="field"/>.</summary>
    public InvalidTensorException(string field, string problem)
        : base($"{field}: {problem}", field)
    {
        Field = field;
        Problem = problem;
    }

    /// <summary>The request field that holds the bad tensor.</summary>
    public string Field { get; }

    /// <summary>What is wrong with it.</summary>
    public string Problem { get; }

    /// <summary>"field: problem", without <see cref="ArgumentException"/>'s "(Parameter '…')" suffix: it becomes a gRPC detail.</summary>
    public override string Message => $"{Field}: {Problem}";
}
