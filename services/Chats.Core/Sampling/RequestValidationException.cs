namespace Chats.Core.Sampling;

/// <summary>A request field is invalid; services map this to INVALID_ARGUMENT naming the field.</summary>
public sealed class RequestValidationException : ArgumentException
{
    /// <summary>Creates the exception for <paramref name="field"/>.</summary>
    public RequestValidationException(string field, string problem)
        : base($"{field}: {problem}", field)
    {
        Field = field;
        Problem = problem;
    }

    /// <summary>The offending request field (proto field name).</summary>
    public string Field { get; }

    /// <summary>What is wrong with it.</summary>
    public string Problem { get; }

    /// <summary>"field: problem", without <see cref="ArgumentException"/>'s "(Parameter '…')" suffix: it becomes a gRPC detail.</summary>
    public override string Message => $"{Field}: {Problem}";
}
