using System.Text.Json;
using System.Text.Json.Nodes;
using Chats.Core.Loading;
using Chats.Training.Training;

namespace Chats.Training.Runs;

/// <summary>
/// Makes a training output folder a complete diffusers pipeline: every component of the reference folder except its
/// denoising networks is copied (tokenizer(s), text encoder(s), VAE, scheduler, ...), and <c>model_index.json</c> is
/// the reference's with its network entries replaced by the trained ones, named and classed by their
/// <see cref="DenoiserFamily"/> (<c>unet_win</c> + <c>unet_lose</c> or <c>unet</c>; <c>transformer_win</c> +
/// <c>transformer_lose</c> or <c>transformer</c>).
/// </summary>
internal static class PipelineOutputFolder
{
    // Every family's names: a stale network of any family (a folder left by an earlier run, or the reference's own
    // entry) must not stay beside the trained ones.
    private static readonly string[] s_networks = [.. DenoiserFamily.All.SelectMany(f => f.Components)];

    /// <summary>Copies the non-network components (files already there with the same size are kept) and writes <c>model_index.json</c>.</summary>
    public static void Write(DiffusersPipelineFolder reference, string output, DenoiserFamily family, bool twoModels)
    {
        ArgumentNullException.ThrowIfNull(family);
        Directory.CreateDirectory(output);
        foreach (string component in reference.ComponentNames)
        {
            if (!s_networks.Contains(component))
            {
                CopyDirectory(reference.ComponentPath(component), Path.Combine(output, component));
            }
        }

        string[] trained = twoModels ? [family.Preferred, family.Dispreferred] : [family.Standard];
        foreach (string stale in s_networks.Except(trained))
        {
            string dir = Path.Combine(output, stale);
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }

        var index = JsonNode.Parse(File.ReadAllText(Path.Combine(reference.Root, "model_index.json")))!.AsObject();
        var rewritten = new JsonObject();
        bool placed = false;
        foreach (var (key, value) in index)
        {
            if (s_networks.Contains(key))
            {
                if (!placed)
                {
                    AddNetworks(rewritten, trained, family);
                    placed = true;
                }

                continue;
            }

            rewritten[key] = value?.DeepClone();
        }

        if (!placed)
        {
            AddNetworks(rewritten, trained, family);
        }

        string path = Path.Combine(output, "model_index.json");
        File.WriteAllText(path + ".tmp", rewritten.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        File.Move(path + ".tmp", path, overwrite: true);
    }

    private static void AddNetworks(JsonObject index, string[] names, DenoiserFamily family)
    {
        foreach (string name in names)
        {
            index[name] = new JsonArray("diffusers", family.ClassName);
        }
    }

    private static void CopyDirectory(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (string file in Directory.GetFiles(source))
        {
            string to = Path.Combine(target, Path.GetFileName(file));
            if (!File.Exists(to) || new FileInfo(to).Length != new FileInfo(file).Length)
            {
                File.Copy(file, to, overwrite: true);
            }
        }

        foreach (string dir in Directory.GetDirectories(source))
        {
            CopyDirectory(dir, Path.Combine(target, Path.GetFileName(dir)));
        }
    }
}
