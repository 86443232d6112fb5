using Chats.Inference.Engine;
using Chats.Inference.Local;
using Chats.Core.Sampling;

namespace Chats.Training.Shapes;

/// <summary>
/// Generates the images of a ShapesEval prompt set with the serving stack's in-process pipeline (the sampling code
/// the services run), one request per entry and seed, noise seeded by SPEC §4, written as <c>{id}_s{seed}.png</c>.
/// Images already present are kept, so an interrupted evaluation continues where it stopped.
/// </summary>
public static class ShapesGeneration
{
    /// <summary>Generates every missing image; returns how many were generated.</summary>
    /// <param name="pipeline">The loaded pipeline.</param>
    /// <param name="entries">The prompt set.</param>
    /// <param name="seeds">Evaluation seeds.</param>
    /// <param name="settings">Sampling settings.</param>
    /// <param name="outDir">Image folder.</param>
    /// <param name="parallelism">Requests in flight: text encoding, decoding and PNG encoding of one overlap the UNet steps of another.</param>
    /// <param name="progress">Images done (generated or found) so far.</param>
    /// <param name="cancellationToken">Stops between images.</param>
    public static async Task<int> GenerateAsync(
        LocalPipeline pipeline,
        IReadOnlyList<ShapesEvalEntry> entries,
        IReadOnlyList<int> seeds,
        ShapesSamplingSettings settings,
        string outDir,
        int parallelism = 2,
        IProgress<int>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(seeds);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parallelism);
        Directory.CreateDirectory(outDir);
        var jobs = seeds.SelectMany(seed => entries.Select(entry => (Entry: entry, Seed: seed))).ToList();
        int done = 0;
        int generated = 0;
        await Parallel.ForEachAsync(
            jobs,
            new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken },
            async (job, ct) =>
            {
                string path = Path.Combine(outDir, job.Entry.ImageFileName(job.Seed));
                if (!File.Exists(path))
                {
                    var request = new GenerationRequestInput(
                        job.Entry.Prompt.ToText(),
                        string.Empty,
                        ShapesVocabulary.Width,
                        ShapesVocabulary.Height,
                        settings.Steps,
                        (ulong)job.Entry.NoiseSeed(job.Seed),
                        settings.GuidanceScale,
                        settings.Alpha,
                        settings.Mode,
                        settings.Scheduler,
                        NumImages: 1);
                    var images = await pipeline.GenerateAsync(request, ct).ConfigureAwait(false);
                    // Write then rename: a file that exists is always a whole image, which is what resuming relies on.
                    await File.WriteAllBytesAsync(path + ".tmp", images[0].Png, ct).ConfigureAwait(false);
                    File.Move(path + ".tmp", path, overwrite: true);
                    Interlocked.Increment(ref generated);
                }

                progress?.Report(Interlocked.Increment(ref done));
            }).ConfigureAwait(false);
        return generated;
    }
}
