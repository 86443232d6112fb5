using Chats.Inference.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Chats.Core.Tests.Tensors;

[Collection("TorchSharp")]
public sealed class TorchPlacementTests
{
    [Fact]
    public void Parse_CpuFloat32_IsTheDefault()
    {
        var placement = TorchPlacement.Parse(TorchPlacement.DefaultDevice, TorchPlacement.DefaultDType);

        Assert.Same(TorchPlacement.Default, placement);
        Assert.Equal("cpu", placement.Device);
        Assert.Equal(ScalarType.Float32, placement.DType);
    }

    [Theory]
    [InlineData("cpu", "float16", ScalarType.Float16, "cpu/float16")]
    [InlineData("CPU", "BFloat16", ScalarType.BFloat16, "cpu/bfloat16")]
    [InlineData(" cpu ", "FLOAT32", ScalarType.Float32, "cpu/float32")]
    public void Parse_AcceptsAnyCase_AndCanonicalises(string device, string dtype, ScalarType expected, string shown)
    {
        var placement = TorchPlacement.Parse(device, dtype);

        Assert.Equal(expected, placement.DType);
        Assert.Equal(shown, placement.ToString());
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("mps")]
    [InlineData("cuda:")]
    [InlineData("cuda:-1")]
    [InlineData("cuda:one")]
    [InlineData("cuda0")]
    [InlineData("")]
    public void Parse_UnknownDevice_NamesTheValueAndTheAcceptedOnes(string device)
    {
        var e = Assert.Throws<ArgumentException>(() => TorchPlacement.Parse(device, "float32"));

        Assert.Contains($"'{device}' is not a device", e.Message, StringComparison.Ordinal);
        Assert.Contains("use cpu, cuda or cuda:N", e.Message, StringComparison.Ordinal);
        Assert.Equal(e.Message[..e.Message.IndexOf(" (Parameter", StringComparison.Ordinal)], "Device: " + TorchPlacement.DeviceProblem(device));
    }

    [Theory]
    [InlineData("fp16")]
    [InlineData("half")]
    [InlineData("float64")]
    [InlineData("int8")]
    [InlineData("")]
    public void Parse_UnknownDType_NamesTheValueAndTheAcceptedOnes(string dtype)
    {
        var e = Assert.Throws<ArgumentException>(() => TorchPlacement.Parse("cpu", dtype));

        Assert.Contains($"'{dtype}' is not a dtype; use float32, float16, bfloat16", e.Message, StringComparison.Ordinal);
        Assert.NotNull(TorchPlacement.DTypeProblem(dtype));
    }

    [Fact]
    public void Parse_WithASection_NamesTheConfigurationKey()
    {
        var device = Assert.Throws<ArgumentException>(() => TorchPlacement.Parse("gpu", "float32", "Denoiser"));
        var dtype = Assert.Throws<ArgumentException>(() => TorchPlacement.Parse("cpu", "fp16", "Decoder"));

        Assert.StartsWith("Denoiser:Device: 'gpu'", device.Message, StringComparison.Ordinal);
        Assert.StartsWith("Decoder:DType: 'fp16'", dtype.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cpu")]
    [InlineData("cuda")]
    [InlineData("cuda:0")]
    [InlineData("CUDA:12")]
    public void DeviceProblem_AcceptedForms_IsNull(string device) => Assert.Null(TorchPlacement.DeviceProblem(device));

    [Theory]
    [InlineData("cuda", "cuda")]
    [InlineData("cuda:0", "cuda:0")]
    [InlineData("cuda:3", "cuda:3")]
    public void Parse_Cuda_WhereCudaIsNotAvailable_SaysSo(string device, string shown)
    {
        Assert.SkipWhen(torch.cuda.is_available(), "CUDA is available in this process");

        var e = Assert.Throws<InvalidOperationException>(() => TorchPlacement.Parse(device, "float16", "Denoiser"));

        Assert.StartsWith($"Denoiser:Device is '{shown}', but CUDA is not available in this process (torch.cuda.is_available() is false)", e.Message, StringComparison.Ordinal);
    }
}
