using Grpc.Core;

namespace Chats.Cli.Benchmarks;

/// <summary>
/// What <c>chats bench load</c> saw, shared by its concurrent clients: every attempt's outcome, the refusal details
/// (each distinct text with its count), the latencies of succeeded generations and how their PNGs compared with the
/// reference of the same request generated alone.
/// </summary>
internal sealed class LoadTally
{
    private readonly object _gate = new();
    private readonly Dictionary<string, int> _refusals = new(StringComparer.Ordinal);
    private readonly Dictionary<StatusCode, int> _failures = [];
    private readonly List<double> _endToEnd = [];
    private readonly List<double> _lastAttempt = [];

    public int Attempts { get; private set; }

    public int Succeeded { get; private set; }

    public int Refused { get; private set; }

    /// <summary>Refusals retried without the <c>retry-after-ms</c> trailer (the default delay was used).</summary>
    public int RefusedWithoutHint { get; private set; }

    public int ByteIdentical { get; private set; }

    public int MaxPixelDifference { get; private set; }

    /// <summary>Succeeded generations whose image was not what was asked for (count, seed, size) or differed by more than the tolerance.</summary>
    public int Corrupted { get; private set; }

    public IReadOnlyDictionary<string, int> RefusalDetails => _refusals;

    public IReadOnlyDictionary<StatusCode, int> Failures => _failures;

    public IReadOnlyList<double> EndToEndSeconds => _endToEnd;

    public IReadOnlyList<double> LastAttemptSeconds => _lastAttempt;

    public void Attempted()
    {
        lock (_gate)
        {
            Attempts++;
        }
    }

    public void Refusal(string detail, bool hinted)
    {
        lock (_gate)
        {
            Refused++;
            RefusedWithoutHint += hinted ? 0 : 1;
            _refusals[detail] = _refusals.GetValueOrDefault(detail) + 1;
        }
    }

    public void Failure(StatusCode status)
    {
        lock (_gate)
        {
            _failures[status] = _failures.GetValueOrDefault(status) + 1;
        }
    }

    /// <param name="endToEnd">Seconds from the first attempt to the image, retries included.</param>
    /// <param name="lastAttempt">Seconds of the attempt that succeeded.</param>
    /// <param name="identical">The PNG's bytes equal the reference's.</param>
    /// <param name="pixelDifference">The largest 8-bit difference from the reference; null when the image itself was wrong (count, seed or size).</param>
    /// <param name="tolerance">The largest difference still counted as the same image.</param>
    public void Success(double endToEnd, double lastAttempt, bool identical, int? pixelDifference, int tolerance)
    {
        lock (_gate)
        {
            Succeeded++;
            _endToEnd.Add(endToEnd);
            _lastAttempt.Add(lastAttempt);
            ByteIdentical += identical ? 1 : 0;
            if (pixelDifference is not { } difference || difference > tolerance)
            {
                Corrupted++;
            }

            MaxPixelDifference = Math.Max(MaxPixelDifference, pixelDifference ?? 0);
        }
    }
}
