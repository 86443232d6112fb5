using System.Text.Json;
using System.Text.Json.Nodes;
using Chats.Core.Loading;
using Chats.Core.Sampling;
using Chats.Training.Training;

namespace Chats.Training.Runs;

/// <summary>
/// Makes a training output folder a complete diffusers pipeline: every component of the reference folder except its
/// UNets is copied (tokenizer(s), text encoder(s), VAE, scheduler, ...), and <c>model_index.json</c> is the
/// reference's with its UNet entries replaced by the trained ones (<c>unet_win</c> + <c>unet_lose</c>, or <c>unet</c>).
/// </summary>
internal static class PipelineOutputFolder
{
    private static readonly string[] s_unets = [DenoiserComponents.Standard, DenoiserComponents.Preferred, DenoiserComponents.Dispreferred];

    /// <summary>Copies the non-UNet components (files already there with the same size are kept) and writes <c>model_index.json</c>.</summary>
    public static void Write(DiffusersPipelineFolder reference, string output, bool twoModels)
    {
        Directory.CreateDirectory(output);
        foreach (string component in reference.ComponentNames)
        {
            if (!s_unets.Contains(component))
            {
                CopyDirectory(reference.ComponentPath(component), Path.Combine(output, component));
            }
        }

        string[] trained = twoModels ? [DenoiserComponents.Preferred, DenoiserComponents.Dispreferred] : [DenoiserComponents.Standard];
        foreach (string stale in s_unets.Except(trained))
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
            if (s_unets.Contains(key))
            {
                if (!placed)
                {
                    AddUNets(rewritten, trained);
                    placed = true;
                }

                continue;
            }

            rewritten[key] = value?.DeepClone();
        }

        if (!placed)
        {
            AddUNets(rewritten, trained);
        }

        string path = Path.Combine(output, "model_index.json");
        File.WriteAllText(path + ".tmp", rewritten.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        File.Move(path + ".tmp", path, overwrite: true);
    }

    private static void AddUNets(JsonObject index, string[] names)
    {
        foreach (string name in names)
        {
            index[name] = new JsonArray("diffusers", "UNet2DConditionModel");
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
