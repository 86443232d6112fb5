using System.Security.Cryptography;
using System.Text;
using Chats.Core.Loading;
using Chats.Inference.Tensors;
using static TorchSharp.torch;

namespace Chats.Inference.Roles;

/// <summary>
/// What decides the embedding of a prompt besides its text: the tokenizer and encoder folders' files, a
/// reduced-precision dtype and, for layouts other than the CLIP ones, the layout. Part of every cache key.
/// </summary>
internal static class TextEncoderFingerprint
{
    /// <summary>
    /// Hashes every file of <paramref name="components"/> (by name, size and first megabyte: enough to tell checkpoints
    /// apart cheaply), a reduced-precision dtype (fp16 and fp32 encoders sharing a cache must never read each other's
    /// embeddings) and <paramref name="layout"/>. fp32 and a null layout add nothing, so SD1.5 / SDXL keys stay those
    /// written before placement and layouts existed. The device is left out: fp32 on any device is the same embedding
    /// to within rounding.
    /// </summary>
    public static string Compute(DiffusersPipelineFolder folder, IEnumerable<string> components, TorchPlacement placement, string? layout = null)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var component in components)
        {
            foreach (var file in Directory.GetFiles(folder.ComponentPath(component)).Order(StringComparer.Ordinal))
            {
                hash.AppendData(Encoding.UTF8.GetBytes(component + "/" + Path.GetFileName(file) + "\n"));
                using var stream = File.OpenRead(file);
                hash.AppendData(BitConverter.GetBytes(stream.Length));
                var buffer = new byte[Math.Min(stream.Length, 1 << 20)];
                stream.ReadExactly(buffer);
                hash.AppendData(buffer);
            }
        }

        if (placement.DType != ScalarType.Float32)
        {
            hash.AppendData(Encoding.UTF8.GetBytes("dtype=" + placement.DTypeName + "\n"));
        }

        if (layout is not null)
        {
            hash.AppendData(Encoding.UTF8.GetBytes("layout=" + layout + "\n"));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }
}
