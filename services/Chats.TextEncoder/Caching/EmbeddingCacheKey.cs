using System.Security.Cryptography;
using System.Text;
using Chats.Inference.Roles;
using Chats.Inference.Local;

namespace Chats.TextEncoder.Caching;

/// <summary>Cache keys: a hash of model id, tokenizer/config fingerprint and the exact prompt text.</summary>
internal static class EmbeddingCacheKey
{
    public static string For(TextEncoderDescription model, string prompt)
    {
        // Length-prefixed parts: no prompt can collide with another model's key by containing separators.
        var text = $"{model.ModelId.Length}:{model.ModelId}|{model.Fingerprint.Length}:{model.Fingerprint}|{prompt}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }
}
