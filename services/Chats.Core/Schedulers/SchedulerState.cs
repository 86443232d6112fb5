using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Chats.Core.Schedulers;

/// <summary>
/// Where one scheduler trajectory stands: everything a scheduler keeps beyond its <see cref="SchedulerConfig"/>,
/// so that a generation captured after k steps (<see cref="INoiseScheduler.CaptureState"/>) continues in another
/// scheduler instance or process (<see cref="INoiseScheduler.RestoreState"/>) with bitwise the same samples.
/// </summary>
/// <remarks>
/// <para>
/// The latent itself is not part of it: the orchestrator owns the sample and stores it next to this state.
/// The schedule (timesteps, σ) is not stored either but rebuilt from the config by <c>SetTimesteps</c>, so the
/// restoring side must use the same <see cref="SchedulerConfig"/> and the same build of this library.
/// </para>
/// <para>
/// Immutable: the constructor copies every array and the properties expose read-only views, so a state may be
/// shared, cached or compared after the scheduler that captured it has moved on. Equality is by value, with float
/// data compared bit for bit (NaN payloads and −0 included). <see cref="ToBytes"/> and <see cref="FromBytes"/> give
/// an exact, versioned binary form for a protobuf <c>bytes</c> field.
/// </para>
/// </remarks>
public sealed record SchedulerState
{
    /// <summary>Creates a state, copying <paramref name="history"/> and <paramref name="customSigmas"/>.</summary>
    /// <param name="kind">The scheduler algorithm the state belongs to.</param>
    /// <param name="numInferenceSteps">The trajectory length given to <c>SetTimesteps</c>; at least 1.</param>
    /// <param name="stepIndex">The next step to take, 0…<paramref name="numInferenceSteps"/> (the latter: finished).</param>
    /// <param name="history">DPM-Solver's remembered model-derived buffers (see <see cref="History"/>); null for none.</param>
    /// <param name="mu">Flow matching's μ given to <c>SetTimesteps</c>; null when none was given.</param>
    /// <param name="customSigmas">Flow matching's caller-given σ schedule; null or empty for the default schedule.</param>
    /// <exception cref="ArgumentOutOfRangeException">A count or index is out of range, or the kind is unknown.</exception>
    /// <exception cref="ArgumentException">
    /// The history entries are empty or of different lengths, or a field is given that <paramref name="kind"/> does not use.
    /// </exception>
    public SchedulerState(
        SchedulerKind kind,
        int numInferenceSteps,
        int stepIndex,
        IReadOnlyList<float[]>? history = null,
        double? mu = null,
        IReadOnlyList<float>? customSigmas = null)
        : this(kind, numInferenceSteps, stepIndex, CopyAll(history), mu, customSigmas is null ? [] : [.. customSigmas])
    {
    }

    /// <summary>Takes ownership of the arrays (no copy): for the decoder and the schedulers' own fresh copies.</summary>
    private SchedulerState(SchedulerKind kind, int numInferenceSteps, int stepIndex, float[][] history, double? mu, float[] customSigmas)
    {
        if (!Enum.IsDefined(kind))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown scheduler kind.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(numInferenceSteps, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(stepIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(stepIndex, numInferenceSteps);
        CheckHistory(kind, stepIndex, history);
        if (kind != SchedulerKind.FlowMatchEuler && (mu is not null || customSigmas.Length != 0))
        {
            throw new ArgumentException($"Only {SchedulerKind.FlowMatchEuler} states carry μ or custom sigmas, not {kind}.");
        }

        if (mu is double value && !double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(mu), value, "μ must be finite.");
        }

        if (customSigmas.Length != 0 && customSigmas.Length != numInferenceSteps)
        {
            throw new ArgumentException(
                $"{customSigmas.Length} custom sigmas were given for {numInferenceSteps} steps.", nameof(customSigmas));
        }

        Kind = kind;
        NumInferenceSteps = numInferenceSteps;
        StepIndex = stepIndex;
        HistoryArrays = history;
        History = Array.AsReadOnly(Array.ConvertAll(history, entry => (ReadOnlyMemory<float>)entry));
        Mu = mu;
        CustomSigmasArray = customSigmas;
    }

    /// <summary>The scheduler algorithm the state belongs to; restoring into another kind is an error.</summary>
    public SchedulerKind Kind { get; }

    /// <summary>The trajectory length; restoring calls <c>SetTimesteps</c> with it.</summary>
    public int NumInferenceSteps { get; }

    /// <summary>
    /// The next step to take: 0 before the first step, one past the last step taken, and
    /// <see cref="NumInferenceSteps"/> when the trajectory is finished.
    /// </summary>
    public int StepIndex { get; }

    /// <summary>
    /// Buffers derived from earlier model outputs, each as long as the sample. Only DPM-Solver++ keeps any:
    /// with solver order 2 and <see cref="StepIndex"/> ≥ 1, one entry, the data prediction x₀ of step
    /// <see cref="StepIndex"/> − 1. Empty for every other kind and position.
    /// </summary>
    public IReadOnlyList<ReadOnlyMemory<float>> History { get; }

    /// <summary>
    /// Flow matching only: the μ given to <see cref="FlowMatchEulerScheduler.SetTimesteps(int, double?, IReadOnlyList{float}?)"/>,
    /// required when the config shifts dynamically; null when none was given.
    /// </summary>
    public double? Mu { get; }

    /// <summary>
    /// Flow matching only: the unshifted σ schedule given to
    /// <see cref="FlowMatchEulerScheduler.SetTimesteps(int, double?, IReadOnlyList{float}?)"/>, one per step;
    /// empty when the default schedule was used.
    /// </summary>
    public ReadOnlyMemory<float> CustomSigmas => CustomSigmasArray;

    internal float[][] HistoryArrays { get; }

    internal float[] CustomSigmasArray { get; }

    /// <summary>The exact binary form of this state (see <see cref="FromBytes"/> for the layout's guarantees).</summary>
    public byte[] ToBytes() => SchedulerStateCodec.Encode(this);

    /// <summary>
    /// Reads a state written by <see cref="ToBytes"/>: little-endian, starting with the magic <c>CSST</c> and a
    /// version byte, float data stored bit for bit.
    /// </summary>
    /// <exception cref="InvalidDataException">
    /// The bytes are truncated, have trailing data, another magic or version, or describe an invalid state.
    /// </exception>
    public static SchedulerState FromBytes(ReadOnlySpan<byte> data) => SchedulerStateCodec.Decode(data);

    /// <inheritdoc/>
    public bool Equals(SchedulerState? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (other is null || Kind != other.Kind || NumInferenceSteps != other.NumInferenceSteps ||
            StepIndex != other.StepIndex || HistoryArrays.Length != other.HistoryArrays.Length ||
            !SameBits(Mu, other.Mu) || !SameBits(CustomSigmasArray, other.CustomSigmasArray))
        {
            return false;
        }

        for (int i = 0; i < HistoryArrays.Length; i++)
        {
            if (!SameBits(HistoryArrays[i], other.HistoryArrays[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Kind);
        hash.Add(NumInferenceSteps);
        hash.Add(StepIndex);
        hash.Add(HistoryArrays.Length);
        hash.Add(Mu is double mu ? BitConverter.DoubleToInt64Bits(mu) : 0L);
        hash.AddBytes(MemoryMarshal.AsBytes(CustomSigmasArray.AsSpan()));
        foreach (float[] entry in HistoryArrays)
        {
            hash.AddBytes(MemoryMarshal.AsBytes(entry.AsSpan()));
        }

        return hash.ToHashCode();
    }

    /// <summary>Names the buffers' sizes rather than listing megabytes of floats.</summary>
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Kind = ").Append(Kind)
            .Append(", NumInferenceSteps = ").Append(NumInferenceSteps)
            .Append(", StepIndex = ").Append(StepIndex)
            .Append(", History = ").Append(HistoryArrays.Length).Append(" × ")
            .Append(HistoryArrays.Length == 0 ? 0 : HistoryArrays[0].Length).Append(" floats");
        if (Mu is double mu)
        {
            builder.Append(", Mu = ").Append(mu.ToString("R", CultureInfo.InvariantCulture));
        }

        if (CustomSigmasArray.Length != 0)
        {
            builder.Append(", CustomSigmas = ").Append(CustomSigmasArray.Length).Append(" floats");
        }

        return true;
    }

    /// <summary>A state over arrays the caller hands over and no longer touches.</summary>
    internal static SchedulerState Owning(
        SchedulerKind kind, int numInferenceSteps, int stepIndex, float[][] history, double? mu, float[] customSigmas) =>
        new(kind, numInferenceSteps, stepIndex, history, mu, customSigmas);

    /// <summary>Throws unless the state belongs to <paramref name="kind"/>; restoring starts with it.</summary>
    internal void CheckKind(SchedulerKind kind, string paramName)
    {
        if (Kind != kind)
        {
            throw new ArgumentException($"A {Kind} state cannot be restored into a {kind} scheduler.", paramName);
        }
    }

    private static float[][] CopyAll(IReadOnlyList<float[]>? history)
    {
        if (history is null)
        {
            return [];
        }

        var copies = new float[history.Count][];
        for (int i = 0; i < copies.Length; i++)
        {
            copies[i] = history[i] is float[] entry
                ? (float[])entry.Clone()
                : throw new ArgumentException($"History entry {i} is null.", nameof(history));
        }

        return copies;
    }

    private static void CheckHistory(SchedulerKind kind, int stepIndex, float[][] history)
    {
        if (history.Length == 0)
        {
            return;
        }

        if (kind != SchedulerKind.DpmSolverMultistep)
        {
            throw new ArgumentException($"{kind} keeps no history, but the state has {history.Length} entries.", nameof(history));
        }

        // Before the first step no model output has been seen, so there is nothing to remember.
        if (stepIndex == 0)
        {
            throw new ArgumentException(
                $"At step 0 there is no history yet, but the state has {history.Length} entries.", nameof(history));
        }

        int length = history[0].Length;
        if (length == 0)
        {
            throw new ArgumentException("History entries must not be empty.", nameof(history));
        }

        for (int i = 1; i < history.Length; i++)
        {
            if (history[i].Length != length)
            {
                throw new ArgumentException(
                    $"History entry {i} has {history[i].Length} values but entry 0 has {length}; all must be as long as the sample.",
                    nameof(history));
            }
        }
    }

    private static bool SameBits(double? a, double? b) =>
        a is null ? b is null : b is not null && BitConverter.DoubleToInt64Bits(a.Value) == BitConverter.DoubleToInt64Bits(b.Value);

    private static bool SameBits(float[] a, float[] b) =>
        MemoryMarshal.AsBytes(a.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(b.AsSpan()));
}
