namespace Chats.Cli.Fuzzing;

/// <summary>One generated case: the raw request messages, in order, for one call.</summary>
/// <param name="Index">Its index in the run; with the seed it recreates the case (<c>chats bench fuzz --seed S --case I</c>).</param>
/// <param name="Target">The method called.</param>
/// <param name="Mutation">What was done to the message (a name, for the report).</param>
/// <param name="Messages">The request messages' bytes (one for unary and server-streaming methods; a stream's otherwise).</param>
/// <param name="Expectation">Which statuses are documented for it.</param>
internal sealed record FuzzCase(int Index, FuzzTarget Target, string Mutation, IReadOnlyList<byte[]> Messages, FuzzExpectation Expectation);
