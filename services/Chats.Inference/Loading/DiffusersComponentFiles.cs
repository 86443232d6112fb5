using static TorchSharp.torch;

namespace Chats.Inference.Loading;

/// <summary>
/// A diffusers model component folder (<c>config.json</c> + <c>diffusion_pytorch_model*.safetensors</c>), read into a
/// freshly built network and written back: the one place the UNet, the VAE and the SD3 transformer load and save.
/// </summary>
internal static class DiffusersComponentFiles
{
    /// <summary>
    /// Loads the folder's weights strictly into <paramref name="model"/> (disposed when loading fails) and puts it in
    /// eval mode; <paramref name="ignoredPrefixes"/> are keys the network deliberately does not build.
    /// </summary>
    public static T LoadInto<T>(T model, string componentDir, IReadOnlyList<string>? ignoredPrefixes = null)
        where T : nn.Module
    {
        try
        {
            StrictStateDict.Load(model, WeightFiles.Resolve(componentDir, WeightFiles.DiffusersBaseName), ignoredPrefixes: ignoredPrefixes);
        }
        catch
        {
            model.Dispose();
            throw;
        }

        model.eval();
        return model;
    }

    /// <summary>Writes <paramref name="rawConfigJson"/> as <c>config.json</c> and the module's weights as <c>diffusion_pytorch_model.safetensors</c>.</summary>
    public static void Save(nn.Module module, string? rawConfigJson, string componentDir)
    {
        Directory.CreateDirectory(componentDir);
        string json = rawConfigJson ?? throw new InvalidOperationException("the config was not read from JSON; there is no config.json text to save");
        File.WriteAllText(Path.Combine(componentDir, "config.json"), json);
        StrictStateDict.Save(module, Path.Combine(componentDir, "diffusion_pytorch_model.safetensors"));
    }
}
