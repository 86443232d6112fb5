using System.Buffers.Binary;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace Chats.Core.Tests.Sampling;

/// <summary>
/// One end-to-end reference case: the call's parameters (the file's <c>__metadata__.case</c>) and its tensors.
/// </summary>
internal sealed class EndToEndCase : IDisposable
{
    private EndToEndCase(string pipeline, string file, JsonElement parameters, Dictionary<string, Tensor> tensors)
    {
        Pipeline = pipeline;
        File = file;
        Tensors = tensors;
        Prompts = [.. parameters.GetProperty("prompts").EnumerateArray().Select(p => p.GetString()!)];
        NegativePrompt = parameters.TryGetProperty("negative_prompt", out var negative) && negative.ValueKind == JsonValueKind.String
            ? negative.GetString()!
            : string.Empty;
        Width = parameters.GetProperty("width").GetInt32();
        Height = parameters.GetProperty("height").GetInt32();
        Steps = parameters.GetProperty("num_inference_steps").GetInt32();
        GuidanceScale = parameters.GetProperty("guidance_scale").GetSingle();
        Alpha = parameters.TryGetProperty("alpha", out var alpha) ? alpha.GetSingle() : 0f;
        SchedulerClass = parameters.GetProperty("scheduler").GetString()!;
    }

    public string Pipeline { get; }

    public string File { get; }

    public IReadOnlyList<string> Prompts { get; }

    /// <summary>The negative prompt; empty when the call passed none.</summary>
    public string NegativePrompt { get; }

    public int Width { get; }

    public int Height { get; }

    public int Steps { get; }

    /// <summary>The guidance_scale the reference pipeline was called with.</summary>
    public float GuidanceScale { get; }

    /// <summary>CHATS α (0 for CFG cases).</summary>
    public float Alpha { get; }

    /// <summary>The scheduler class the reference ran (tiny-sd15's e2e_euler swaps the folder's DDIM for Euler).</summary>
    public string SchedulerClass { get; }

    public Dictionary<string, Tensor> Tensors { get; }

    public string FolderPath => FixturePaths.Combine(Pipeline);

    public static EndToEndCase Read(string pipeline, string file)
    {
        string path = FixturePaths.Combine(pipeline, "cases", file);
        return new EndToEndCase(pipeline, file, ReadParameters(path), TorchSharp.PyBridge.Safetensors.LoadStateDict(path));
    }

    /// <summary>The elements of <c>Tensors[name][index...]</c>, row-major, as fp32.</summary>
    public float[] Floats(string name, params long[] index)
    {
        using var scope = torch.NewDisposeScope();
        Tensor t = Tensors[name];
        foreach (long i in index)
        {
            t = t[i];
        }

        return t.to(ScalarType.Float32).contiguous().data<float>().ToArray();
    }

    /// <summary>The elements of a uint8 <c>Tensors[name][index]</c>, row-major.</summary>
    public byte[] Bytes(string name, long index)
    {
        using var scope = torch.NewDisposeScope();
        return Tensors[name][index].contiguous().data<byte>().ToArray();
    }

    public void Dispose()
    {
        foreach (var t in Tensors.Values)
        {
            t.Dispose();
        }
    }

    private static JsonElement ReadParameters(string path)
    {
        using var stream = System.IO.File.OpenRead(path);
        Span<byte> length = stackalloc byte[8];
        stream.ReadExactly(length);
        var header = new byte[BinaryPrimitives.ReadInt64LittleEndian(length)];
        stream.ReadExactly(header);
        using var document = JsonDocument.Parse(header);
        string caseJson = document.RootElement.GetProperty("__metadata__").GetProperty("case").GetString()!;
        using var parameters = JsonDocument.Parse(caseJson);
        return parameters.RootElement.Clone();
    }
}
