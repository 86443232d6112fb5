using TorchSharp;
using static TorchSharp.torch;

namespace Chats.Core.Tests.Models;

/// <summary>Enumerates and reads the diffusers-reference model cases.</summary>
internal static class ModelCases
{
    public static readonly string[] Pipelines = ["tiny-sd15", "tiny-sdxl", "tiny-chats-sd15", "tiny-chats-sdxl"];

    /// <summary>(pipeline, component folder, case file name) for every case file whose name starts with "{component}_{kind}case".</summary>
    public static TheoryData<string, string, string> Find(Func<string, string?> componentOfCase)
    {
        var data = new TheoryData<string, string, string>();
        foreach (string pipeline in Pipelines)
        {
            string casesDir = FixturePaths.Combine(pipeline, "cases");
            foreach (string file in Directory.GetFiles(casesDir, "*.safetensors").Select(Path.GetFileName).Order(StringComparer.Ordinal)!)
            {
                if (file.Contains("intermediates", StringComparison.Ordinal))
                {
                    continue;
                }

                string? component = componentOfCase(file);
                if (component is not null)
                {
                    data.Add(pipeline, component, file);
                }
            }
        }

        return data;
    }

    public static Dictionary<string, Tensor> Read(string pipeline, string caseFile) =>
        TorchSharp.PyBridge.Safetensors.LoadStateDict(FixturePaths.Combine(pipeline, "cases", caseFile));

    public static void Dispose(Dictionary<string, Tensor> tensors)
    {
        foreach (var t in tensors.Values)
        {
            t.Dispose();
        }
    }

    public static double MaxAbsError(Tensor actual, Tensor expected)
    {
        Assert.Equal(expected.shape, actual.shape);
        using var diff = (actual.to(ScalarType.Float64) - expected.to(ScalarType.Float64)).abs().max();
        return diff.item<double>();
    }

    /// <summary>Appends a line to $CHATS_PARITY_LOG when set (used to report the errors reached).</summary>
    public static void Log(string line)
    {
        string? path = Environment.GetEnvironmentVariable("CHATS_PARITY_LOG");
        if (!string.IsNullOrEmpty(path))
        {
            lock (Pipelines)
            {
                File.AppendAllText(path, line + Environment.NewLine);
            }
        }
    }
}
