using System.Text.Json;
using Chats.Core.Imaging;
using Chats.Inference.Models.Vae;
using Chats.Training.Data;
using static TorchSharp.torch;

namespace Chats.Training.Shapes;

/// <summary>The lab's file-level steps: render scenes to folders and score folders of generated images.</summary>
public static class ShapesLab
{
    /// <summary>
    /// Judges <c>{id}_s{seed}.png</c> in <paramref name="imagesDir"/> for every entry and seed (SPEC §4); a missing
    /// image fails naming the file rather than silently shrinking the sample. The report keeps every prompt's verdicts
    /// (<see cref="ShapesReport.Prompts"/>, in the prompt set's order) for paired comparisons.
    /// </summary>
    public static ShapesReport ScoreFolder(IReadOnlyList<ShapesEvalEntry> entries, string imagesDir, IReadOnlyList<int> seeds)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(seeds);
        var judgements = new List<ShapesJudgement>(entries.Count * seeds.Count);
        foreach (int seed in seeds)
        {
            foreach (var entry in entries)
            {
                string path = Path.Combine(imagesDir, entry.ImageFileName(seed));
                if (!File.Exists(path))
                {
                    throw new FileNotFoundException($"{path}: image missing for prompt '{entry.Prompt.ToText()}' seed {seed}", path);
                }

                var image = RgbImageDecoder.Decode(File.ReadAllBytes(path));
                judgements.Add(new ShapesJudgement(entry.Category, seed, ShapesScorer.Judge(entry.Prompt, image.Rgb, image.Width, image.Height), entry.Id));
            }
        }

        return ShapesReport.FromJudgements(judgements);
    }

    /// <summary>Renders the ground-truth scene of every entry and seed as <c>{id}_s{seed}.png</c> (scene seed = the entry's noise seed).</summary>
    public static void RenderEvalSet(IReadOnlyList<ShapesEvalEntry> entries, IReadOnlyList<int> seeds, string outDir)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(seeds);
        Directory.CreateDirectory(outDir);
        foreach (int seed in seeds)
        {
            foreach (var entry in entries)
            {
                var scene = ShapesRenderer.Render(entry.Prompt, new Random(entry.NoiseSeed(seed)));
                byte[] png = PngEncoder.EncodeRgb(ShapesRenderer.RenderRgb(scene), ShapesVocabulary.Width, ShapesVocabulary.Height);
                File.WriteAllBytes(Path.Combine(outDir, entry.ImageFileName(seed)), png);
            }
        }
    }

    /// <summary>
    /// Writes <paramref name="count"/> random training scenes (categories uniform, prompts of the grammar) as
    /// <c>images/NNNNNNN.png</c> plus <c>train.jsonl</c> lines <c>{"image": ..., "prompt": ...}</c>. Deterministic in <paramref name="seed"/>.
    /// </summary>
    public static void WriteTrainingSet(int count, int seed, string outDir)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        string images = Path.Combine(outDir, "images");
        Directory.CreateDirectory(images);
        var prompts = new ShapesPromptGenerator(seed);
        var rng = new Random(seed + 1);
        using var index = new StreamWriter(Path.Combine(outDir, "train.jsonl"));
        for (int i = 0; i < count; i++)
        {
            var prompt = prompts.Next();
            var scene = ShapesRenderer.Render(prompt, rng);
            string name = $"images/{i:D7}.png";
            File.WriteAllBytes(Path.Combine(outDir, name), PngEncoder.EncodeRgb(ShapesRenderer.RenderRgb(scene), ShapesVocabulary.Width, ShapesVocabulary.Height));
            index.WriteLine(JsonSerializer.Serialize(new Dictionary<string, string> { ["image"] = name, ["prompt"] = prompt.ToText() }));
        }
    }

    /// <summary>
    /// Renders the scene of every entry and seed, passes it through the VAE (posterior mean, decode) and writes the
    /// reconstruction as <c>{id}_s{seed}.png</c>: scored, it is the ceiling a diffusion model in that latent space can reach.
    /// </summary>
    public static void ReconstructEvalSet(IReadOnlyList<ShapesEvalEntry> entries, IReadOnlyList<int> seeds, string vaeDir, string outDir)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(seeds);
        Directory.CreateDirectory(outDir);
        using var vae = AutoencoderKL.Load(vaeDir);
        using var noGrad = no_grad();
        foreach (int seed in seeds)
        {
            foreach (var entry in entries)
            {
                using var scope = NewDisposeScope();
                var scene = ShapesRenderer.Render(entry.Prompt, new Random(entry.NoiseSeed(seed)));
                var rgb = ShapesRenderer.RenderRgb(scene);
                var image = (tensor(rgb, [1, ShapesVocabulary.Height, ShapesVocabulary.Width, 3]).permute(0, 3, 1, 2).to(ScalarType.Float32) / 127.5) - 1.0;
                var moments = vae.encode(image);
                var decoded = vae.decode(moments.narrow(1, 0, moments.shape[1] / 2));
                var planar = decoded[0].contiguous().data<float>().ToArray();
                byte[] png = PngEncoder.EncodeRgb(ImageConversion.PlanarSignedToRgb(planar, ShapesVocabulary.Width, ShapesVocabulary.Height), ShapesVocabulary.Width, ShapesVocabulary.Height);
                File.WriteAllBytes(Path.Combine(outDir, entry.ImageFileName(seed)), png);
            }
        }
    }
}
