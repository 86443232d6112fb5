using Chats.Core.Sampling;
using Chats.Inference.Roles;
using Chats.Inference.Local;
using Chats.Inference.Models.Vae;
using Chats.Training.Data;
using Chats.Training.Losses;
using TorchSharp;
using static TorchSharp.torch;
using Chats.Inference.Tensors;

namespace Chats.Training.Runs;

/// <summary>
/// Every preference pair encoded once: scaled VAE latents of both images and the prompt's conditioning (once per
/// distinct prompt: the text encoders' token embeddings and, where they give one, the pooled embedding), held on the
/// CPU for the whole run; batches are drawn from it by step. For SDXL UNets every batch also carries the same time ids
/// (<see cref="ConditioningNames.TimeIds"/>, one row per pair): all pairs are encoded at one size.
/// </summary>
/// <remarks>
/// Latents are the mean of the VAE's latent distribution (the first half of the moments' channels), shifted by
/// <c>shift_factor</c> when the VAE has one and multiplied by <c>scaling_factor</c>. The diffusers training scripts
/// draw <c>latent_dist.sample()</c> each step; the mean is used here so that encoding is deterministic and can be
/// done once (the VAE's posterior is narrow, so the two differ little).
/// </remarks>
internal sealed class EncodedPreferenceSet : IDisposable
{
    private readonly List<(Tensor Win, Tensor Lose, int Prompt)> _pairs = [];
    private readonly List<Dictionary<string, Tensor>> _conditioning = [];
    private readonly long _seed;
    private Tensor? _timeIds;
    private int[]? _order;
    private int _orderEpoch = -1;

    private EncodedPreferenceSet(long seed)
    {
        _seed = seed;
    }

    public int Count => _pairs.Count;

    // With torchThreads the VAE runs with that libtorch thread count on whichever thread the enumeration continues:
    // the count is per OS thread, and the latents must not depend on which pool thread that is. timeIds (6 values)
    // are added to every batch as time_ids; null adds none.
    public static async Task<EncodedPreferenceSet> EncodeAsync(
        IPreferenceDataSource source, AutoencoderKL vae, ITextConditioningModel text, long seed, CancellationToken cancellationToken, int? torchThreads = null,
        IReadOnlyList<float>? timeIds = null)
    {
        var set = new EncodedPreferenceSet(seed);
        try
        {
            if (timeIds is not null)
            {
                ArgumentOutOfRangeException.ThrowIfNotEqual(timeIds.Count, 6, nameof(timeIds));
                set._timeIds = tensor(timeIds.ToArray(), [1, 6]);
            }

            var promptIndex = new Dictionary<string, int>(StringComparer.Ordinal);
            var prompts = new List<string>();
            await foreach (var pair in source.ReadAsync(cancellationToken))
            {
                if (!promptIndex.TryGetValue(pair.Prompt, out int p))
                {
                    p = prompts.Count;
                    promptIndex.Add(pair.Prompt, p);
                    prompts.Add(pair.Prompt);
                }

                if (torchThreads is int threads)
                {
                    set_num_threads(threads);
                }

                var (win, lose) = EncodeImages(vae, pair.Chosen, pair.Rejected);
                set._pairs.Add((win, lose, p));
            }

            if (set._pairs.Count == 0)
            {
                throw new InvalidDataException("the preference data holds no pairs");
            }

            const int chunk = 16;
            for (int i = 0; i < prompts.Count; i += chunk)
            {
                var encoded = await text.EncodeAsync(prompts.GetRange(i, Math.Min(chunk, prompts.Count - i)), cancellationToken);
                set._conditioning.AddRange(encoded.Select(ConditioningTensors));
            }

            return set;
        }
        catch
        {
            set.Dispose();
            throw;
        }
    }

    /// <summary>The pairs of optimiser step <paramref name="step"/>: positions step·B … step·B + B − 1 of the sequence of per-epoch shuffles.</summary>
    public PreferenceBatch Batch(int step, int batchSize)
    {
        using var scope = NewDisposeScope();
        var wins = new Tensor[batchSize];
        var loses = new Tensor[batchSize];
        var prompts = new Dictionary<string, Tensor>[batchSize];
        for (int i = 0; i < batchSize; i++)
        {
            long k = ((long)step * batchSize) + i;
            var (win, lose, prompt) = _pairs[Order((int)(k / _pairs.Count))[(int)(k % _pairs.Count)]];
            wins[i] = win;
            loses[i] = lose;
            prompts[i] = _conditioning[prompt];
        }

        var conditioning = prompts[0].Keys.ToDictionary(
            name => name, name => stack(prompts.Select(p => p[name])).MoveToOuterDisposeScope(), StringComparer.Ordinal);
        if (_timeIds is not null)
        {
            conditioning.Add(ConditioningNames.TimeIds, _timeIds.repeat(batchSize, 1).MoveToOuterDisposeScope());
        }

        return new PreferenceBatch(stack(wins).MoveToOuterDisposeScope(), stack(loses).MoveToOuterDisposeScope(), new ConditioningBatch(conditioning));
    }

    public void Dispose()
    {
        foreach (var (win, lose, _) in _pairs)
        {
            win.Dispose();
            lose.Dispose();
        }

        foreach (var tensor in _conditioning.SelectMany(c => c.Values))
        {
            tensor.Dispose();
        }

        _timeIds?.Dispose();
        _timeIds = null;
        _pairs.Clear();
        _conditioning.Clear();
    }

    // A Fisher–Yates shuffle per epoch, seeded by (seed, epoch): the same step always gets the same pairs, so a resumed
    // run sees what the uninterrupted one would have.
    private int[] Order(int epoch)
    {
        if (_orderEpoch != epoch || _order is null)
        {
            var order = Enumerable.Range(0, _pairs.Count).ToArray();
            var random = new Random(unchecked((int)((_seed * 1_000_003L) + epoch)));
            for (int i = order.Length - 1; i > 0; i--)
            {
                int j = random.Next(i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }

            _order = order;
            _orderEpoch = epoch;
        }

        return _order;
    }

    /// <summary>A prompt's conditioning as named tensors: every tensor the text encoder gives (see <see cref="ConditioningNames.IsPromptTensor"/>).</summary>
    public static Dictionary<string, Tensor> ConditioningTensors(PromptConditioning conditioning) =>
        conditioning.Tensors
            .Where(kv => ConditioningNames.IsPromptTensor(kv.Key))
            .ToDictionary(kv => kv.Key, kv => TorchTensorCodec.FromHost(kv.Value), StringComparer.Ordinal);

    private static (Tensor Win, Tensor Lose) EncodeImages(AutoencoderKL vae, RgbImage chosen, RgbImage rejected)
    {
        if (chosen.Width != rejected.Width || chosen.Height != rejected.Height)
        {
            throw new InvalidDataException($"chosen ({chosen.Width}x{chosen.Height}) and rejected ({rejected.Width}x{rejected.Height}) images differ in size");
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var pixels = stack([Pixels(chosen), Pixels(rejected)]);
        var moments = vae.encode(pixels);
        long channels = vae.Config.LatentChannels;
        var mean = moments.narrow(1, 0, channels);
        if (vae.Config.ShiftFactor is double shift)
        {
            mean = mean - shift;
        }

        var latents = mean * vae.Config.ScalingFactor;
        var win = latents[0].contiguous().MoveToOuterDisposeScope();
        var lose = latents[1].contiguous().MoveToOuterDisposeScope();
        return (win, lose);
    }

    // (3, H, W) in [-1, 1], as the diffusers training scripts normalise (ToTensor, then Normalize([0.5], [0.5])).
    private static Tensor Pixels(RgbImage image)
    {
        var bytes = tensor(image.Rgb, dtype: uint8).reshape(image.Height, image.Width, 3);
        return (bytes.permute(2, 0, 1).to(float32) / 127.5f) - 1f;
    }
}
