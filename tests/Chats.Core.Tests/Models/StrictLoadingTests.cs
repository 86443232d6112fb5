using Chats.Core.Loading;
using Chats.Inference.Models.UNet2DCondition;
using Chats.Inference.Models.Vae;
using TorchSharp;
using static TorchSharp.torch;
using Chats.Inference.Loading;

namespace Chats.Core.Tests.Models;

[Collection("TorchSharp")]
public sealed class StrictLoadingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("chats-load-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string WeightsPath => Path.Combine(_dir, UNet2DConditionModel.WeightsFileName);

    /// <summary>Copies tiny-sd15's VAE into the temp folder, letting <paramref name="edit"/> change its tensors.</summary>
    private void WriteVae(Action<Dictionary<string, Tensor>> edit)
    {
        string source = FixturePaths.Combine("tiny-sd15", "vae");
        File.Copy(Path.Combine(source, "config.json"), Path.Combine(_dir, "config.json"));
        var tensors = TorchSharp.PyBridge.Safetensors.LoadStateDict(Path.Combine(source, AutoencoderKL.WeightsFileName));
        edit(tensors);
        StrictStateDict.Write(tensors, WeightsPath);
        foreach (var t in tensors.Values)
        {
            t.Dispose();
        }
    }

    [Fact]
    public void MissingKey_FailsNamingFileAndKey()
    {
        WriteVae(t => Assert.True(t.Remove("decoder.conv_out.bias")));
        var e = Assert.Throws<InvalidDataException>(() => AutoencoderKL.Load(_dir));
        Assert.Contains(WeightsPath, e.Message, StringComparison.Ordinal);
        Assert.Contains("missing keys: decoder.conv_out.bias", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnexpectedKey_FailsNamingFileAndKey()
    {
        WriteVae(t => t.Add("decoder.extra.weight", zeros(3)));
        var e = Assert.Throws<InvalidDataException>(() => AutoencoderKL.Load(_dir));
        Assert.Contains(WeightsPath, e.Message, StringComparison.Ordinal);
        Assert.Contains("unexpected keys: decoder.extra.weight", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WrongShape_FailsNamingFileKeyAndShapes()
    {
        WriteVae(t =>
        {
            t["quant_conv.bias"].Dispose();
            t["quant_conv.bias"] = zeros(7);
        });
        var e = Assert.Throws<InvalidDataException>(() => AutoencoderKL.Load(_dir));
        Assert.Contains(WeightsPath, e.Message, StringComparison.Ordinal);
        Assert.Contains("wrong shape for 'quant_conv.bias': file has [7], model expects [8]", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3 })]
    [InlineData(new byte[] { 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, (byte)'{', (byte)'}' })]
    [InlineData(new byte[] { 4, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'x', (byte)'x', (byte)'x' })]
    public void CorruptHeader_FailsNamingFile(byte[] content)
    {
        File.Copy(FixturePaths.Combine("tiny-sd15", "vae", "config.json"), Path.Combine(_dir, "config.json"));
        File.WriteAllBytes(WeightsPath, content);
        var e = Assert.Throws<InvalidDataException>(() => AutoencoderKL.Load(_dir));
        Assert.Contains(WeightsPath, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TruncatedData_FailsNamingFile()
    {
        File.Copy(FixturePaths.Combine("tiny-sd15", "vae", "config.json"), Path.Combine(_dir, "config.json"));
        byte[] full = File.ReadAllBytes(FixturePaths.Combine("tiny-sd15", "vae", AutoencoderKL.WeightsFileName));
        File.WriteAllBytes(WeightsPath, full[..(full.Length / 2)]);
        var e = Assert.Throws<InvalidDataException>(() => AutoencoderKL.Load(_dir));
        Assert.Contains(WeightsPath, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    public void HalfPrecisionWeights_LoadIntoFloat32(ScalarType dtype)
    {
        WriteVae(t =>
        {
            foreach (string key in t.Keys.ToList())
            {
                var half = t[key].to(dtype);
                t[key].Dispose();
                t[key] = half;
            }
        });
        using var vae = AutoencoderKL.Load(_dir);
        using var reference = AutoencoderKL.Load(FixturePaths.Combine("tiny-sd15", "vae"));
        var loaded = vae.state_dict();
        foreach (var (key, expected) in reference.state_dict())
        {
            Assert.Equal(ScalarType.Float32, loaded[key].dtype);
            using var rounded = expected.to(dtype).to(ScalarType.Float32);
            using var same = loaded[key].eq(rounded).all();
            Assert.True(same.item<bool>(), key);
        }
    }

    [Fact]
    public void ConfigJson_AcceptsNonFiniteLiterals()
    {
        using var json = ConfigJson.Parse("""{"a": -Infinity, "b": NaN, "c": Infinity, "s": "NaN -Infinity \" x", "d": 1.5}""", "test.json");
        Assert.Equal(double.NegativeInfinity, json.GetDouble("a"));
        Assert.True(double.IsNaN(json.GetDouble("b")));
        Assert.Equal(double.PositiveInfinity, json.GetDouble("c"));
        Assert.Equal("NaN -Infinity \" x", json.GetString("s"));
        Assert.Equal(1.5, json.GetDouble("d"));
    }

    [Fact]
    public void ConfigJson_MissingConfig_FailsNamingFile()
    {
        var e = Assert.Throws<FileNotFoundException>(() => UNet2DConditionModel.Load(_dir));
        Assert.Contains(Path.Combine(_dir, "config.json"), e.Message, StringComparison.Ordinal);
    }
}
