using Chats.Training.Data;

namespace Chats.Training.Shapes;

/// <summary>
/// One prompt's pairing as its images arrive, over any number of rounds: the i-th correct image is chosen over the i-th
/// incorrect one (<see cref="ShapesPreferencePairs.Pair"/> on all its verdicts in generation order), each pair emitted
/// as soon as both of its images exist. Only images still waiting for a partner are kept.
/// </summary>
internal sealed class ShapesPromptPairing
{
    // At most one of the two queues is non-empty: an image is paired as soon as the other kind is waiting.
    private readonly Queue<(RgbImage Image, ulong Seed)> _correct = new();
    private readonly Queue<(RgbImage Image, ulong Seed)> _incorrect = new();

    /// <summary>Images added.</summary>
    public int Images { get; private set; }

    /// <summary>Of those, the correct ones.</summary>
    public int Correct { get; private set; }

    /// <summary>Pairs emitted: min(correct, incorrect).</summary>
    public int Pairs { get; private set; }

    /// <summary>Adds the next image of the prompt; returns the pair it completes, if any.</summary>
    public ((RgbImage Image, ulong Seed) Chosen, (RgbImage Image, ulong Seed) Rejected)? Add(RgbImage image, ulong seed, bool correct)
    {
        Images++;
        if (correct)
        {
            Correct++;
        }

        var waiting = correct ? _incorrect : _correct;
        if (waiting.Count == 0)
        {
            (correct ? _correct : _incorrect).Enqueue((image, seed));
            return null;
        }

        var partner = waiting.Dequeue();
        Pairs++;
        return correct ? ((image, seed), partner) : (partner, (image, seed));
    }
}
