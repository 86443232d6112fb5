namespace Chats.Cli.Fuzzing;

/// <summary>Which statuses a fuzz case may get, besides INVALID_ARGUMENT and RESOURCE_EXHAUSTED (always documented for bad input).</summary>
internal enum FuzzExpectation
{
    /// <summary>Built to be invalid: OK would mean the service accepted bad input.</summary>
    Invalid,

    /// <summary>A random mutation that may still be a valid message: OK is documented too.</summary>
    MaybeValid,

    /// <summary>A valid request: only OK (or RESOURCE_EXHAUSTED under load) is right; INVALID_ARGUMENT would refuse good input.</summary>
    Valid,

    /// <summary>A stream that goes idle: DEADLINE_EXCEEDED (its deadline passes) is the documented end.</summary>
    Idle,
}
