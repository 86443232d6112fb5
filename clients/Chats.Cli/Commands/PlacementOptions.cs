using System.CommandLine;
using Chats.Inference.Tensors;

namespace Chats.Cli.Commands;

/// <summary><c>--device</c> and <c>--dtype</c>: where the verbs that run models in this process place every torch role.</summary>
internal sealed class PlacementOptions
{
    public Option<string> Device { get; } = new("--device") { Description = "cpu, cuda or cuda:N for every torch role (text encoder, denoisers, decoder).", DefaultValueFactory = _ => TorchPlacement.DefaultDevice };
    public Option<string> DType { get; } = new("--dtype") { Description = "float32, float16 or bfloat16 for every torch role's weights and activations.", DefaultValueFactory = _ => TorchPlacement.DefaultDType };

    public void AddTo(Command command)
    {
        command.Options.Add(Device);
        command.Options.Add(DType);
    }

    /// <summary>The parsed placement; a bad value or a missing CUDA device fails here, before any model loads.</summary>
    public TorchPlacement ToPlacement(ParseResult result)
    {
        string device = result.GetValue(Device)!, dtype = result.GetValue(DType)!;
        if (TorchPlacement.DeviceProblem(device) is { } badDevice)
        {
            throw new ArgumentException($"--device: {badDevice}");
        }

        return TorchPlacement.DTypeProblem(dtype) is { } badDType
            ? throw new ArgumentException($"--dtype: {badDType}")
            : TorchPlacement.Parse(device, dtype);
    }
}
