using System.Globalization;
using Chats.Core.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Chats.Inference.Tensors;

/// <summary>
/// Where a role's weights live and the floating-point type they compute in: the device (<c>cpu</c>, <c>cuda</c>,
/// <c>cuda:N</c>) and the dtype (<c>float32</c>, <c>float16</c>, <c>bfloat16</c>). Weights are always read on the
/// CPU, then converted and moved; inputs arriving as fp32 host tensors are moved to the device and dtype before the
/// forward pass, and outputs come back as fp32 host tensors, so the wire and the schedulers never see the dtype.
/// Created only by <see cref="Parse"/>; <see cref="Default"/> (cpu, float32) computes exactly as without a placement.
/// </summary>
public sealed record TorchPlacement
{
    /// <summary>The default device.</summary>
    public const string DefaultDevice = "cpu";

    /// <summary>The default dtype.</summary>
    public const string DefaultDType = "float32";

    private static readonly (string Name, ScalarType Type)[] s_dtypes =
    [
        ("float32", ScalarType.Float32),
        ("float16", ScalarType.Float16),
        ("bfloat16", ScalarType.BFloat16),
    ];

    private TorchPlacement(string device, ScalarType dtype)
    {
        Device = device;
        DType = dtype;
    }

    /// <summary>cpu, float32: what every role used before placement existed.</summary>
    public static TorchPlacement Default { get; } = new(DefaultDevice, ScalarType.Float32);

    /// <summary>The accepted dtype names.</summary>
    public static IReadOnlyList<string> DTypeNames { get; } = [.. s_dtypes.Select(d => d.Name)];

    /// <summary>The device in canonical form: <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.</summary>
    public string Device { get; }

    /// <summary>The dtype of the weights and of every activation.</summary>
    public ScalarType DType { get; }

    /// <summary>The dtype's configuration name (<c>float32</c>, <c>float16</c>, <c>bfloat16</c>).</summary>
    public string DTypeName => s_dtypes.First(d => d.Type == DType).Name;

    /// <summary>
    /// Parses a device and a dtype (case-insensitive) and checks that the device exists in this process.
    /// </summary>
    /// <param name="device"><c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.</param>
    /// <param name="dtype"><c>float32</c>, <c>float16</c> or <c>bfloat16</c>.</param>
    /// <param name="section">Configuration section the values came from (e.g. <c>Denoiser</c>), named in errors; null for none.</param>
    /// <exception cref="ArgumentException">The device or dtype is not one of the accepted values; the message names it and them.</exception>
    /// <exception cref="InvalidOperationException">A CUDA device is asked for and libtorch has no such device here.</exception>
    public static TorchPlacement Parse(string device, string dtype, string? section = null)
    {
        string prefix = section is null ? string.Empty : section + ":";
        var (canonical, index, deviceProblem) = ParseDevice(device);
        if (deviceProblem is not null)
        {
            throw new ArgumentException($"{prefix}Device: {deviceProblem}", nameof(device));
        }

        var (type, dtypeProblem) = ParseDType(dtype);
        if (dtypeProblem is not null)
        {
            throw new ArgumentException($"{prefix}DType: {dtypeProblem}", nameof(dtype));
        }

        if (canonical != DefaultDevice)
        {
            // TorchSharp would only say "CUDA is not available." at the first .to(); say what was asked and why it fails.
            if (!torch.cuda.is_available())
            {
                throw new InvalidOperationException(
                    $"{prefix}Device is '{canonical}', but CUDA is not available in this process (torch.cuda.is_available() is false): "
                    + "the TorchSharp natives are the cpu flavour (build with -p:TorchFlavour=cuda) or no CUDA device and driver are visible; use 'cpu'");
            }

            int count = torch.cuda.device_count();
            if (index >= count)
            {
                throw new InvalidOperationException($"{prefix}Device is '{canonical}', but libtorch sees {count} CUDA device(s) (cuda:0 to cuda:{count - 1})");
            }
        }

        return canonical == DefaultDevice && type == ScalarType.Float32 ? Default : new TorchPlacement(canonical, type);
    }

    /// <summary>Why <paramref name="device"/> is not an accepted device, naming it and the accepted forms; null when it is. Touches no native code.</summary>
    public static string? DeviceProblem(string? device) => ParseDevice(device).Problem;

    /// <summary>Why <paramref name="dtype"/> is not an accepted dtype, naming it and the accepted names; null when it is. Touches no native code.</summary>
    public static string? DTypeProblem(string? dtype) => ParseDType(dtype).Problem;

    /// <summary>"cpu/float32", as logs and errors show it.</summary>
    public override string ToString() => $"{Device}/{DTypeName}";

    /// <summary>Converts <paramref name="module"/>'s parameters to the dtype, moves them to the device, and sets eval mode.</summary>
    internal T Place<T>(T module)
        where T : nn.Module
    {
        ArgumentNullException.ThrowIfNull(module);
        if (this != Default)
        {
            module.to(torch.device(Device), DType);
        }

        module.eval();
        return module;
    }

    /// <summary>A host tensor on the device, in the model's dtype (the input of a forward pass).</summary>
    internal Tensor ToModel(HostTensor host) => ToModel(TorchTensorCodec.FromHost(host));

    /// <summary>A floating-point tensor on the device, in the model's dtype; unchanged when it already is.</summary>
    internal Tensor ToModel(Tensor tensor) => this == Default ? tensor : tensor.to(DType, torch.device(Device));

    /// <summary>
    /// A tensor on the device, its dtype kept: token ids (int64), and what the model turns into sinusoids itself in fp32
    /// (timesteps, SDXL time ids).
    /// </summary>
    internal Tensor ToDevice(Tensor tensor) => Device == DefaultDevice ? tensor : tensor.to(torch.device(Device));

    private static (string Canonical, int Index, string? Problem) ParseDevice(string? device)
    {
        string value = device?.Trim().ToLowerInvariant() ?? string.Empty;
        if (value is "cpu" or "cuda")
        {
            return (value, 0, null);
        }

        if (value.StartsWith("cuda:", StringComparison.Ordinal)
            && int.TryParse(value.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out int index))
        {
            return ($"cuda:{index.ToString(CultureInfo.InvariantCulture)}", index, null);
        }

        return (string.Empty, 0, $"'{device}' is not a device; use cpu, cuda or cuda:N (N = 0, 1, ...)");
    }

    private static (ScalarType Type, string? Problem) ParseDType(string? dtype)
    {
        string value = dtype?.Trim() ?? string.Empty;
        foreach (var (name, type) in s_dtypes)
        {
            if (string.Equals(value, name, StringComparison.OrdinalIgnoreCase))
            {
                return (type, null);
            }
        }

        return (ScalarType.Float32, $"'{dtype}' is not a dtype; use {string.Join(", ", DTypeNames)}");
    }
}
