using System.Text;

namespace Chats.Core.Tokenization;

/// <summary>
/// GPT-2's <c>bytes_to_unicode</c>, which CLIP shares: each byte is a printable character, so BPE
/// works on text. The 256 characters in this order are also the first 256 vocabulary entries.
/// </summary>
internal static class ClipByteAlphabet
{
    private static readonly char[] s_byteToChar = Build();
    private static readonly Dictionary<char, byte> s_charToByte =
        s_byteToChar.Select((c, b) => (c, b)).ToDictionary(x => x.c, x => (byte)x.b);

    /// <summary>The characters in vocabulary order (printable ASCII, ¡..¬, ®..ÿ, then the rest from U+0100).</summary>
    public static IReadOnlyList<char> VocabularyOrder { get; } = BuildVocabularyOrder();

    public static char ToChar(byte b) => s_byteToChar[b];

    public static string Encode(string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        return string.Create(bytes.Length, bytes, static (span, source) =>
        {
            for (int i = 0; i < source.Length; i++)
            {
                span[i] = s_byteToChar[source[i]];
            }
        });
    }

    public static byte[] Decode(string mapped)
    {
        var bytes = new byte[mapped.Length];
        for (int i = 0; i < mapped.Length; i++)
        {
            bytes[i] = s_charToByte.TryGetValue(mapped[i], out byte b)
                ? b
                : throw new ArgumentException($"'{mapped[i]}' is not a byte-alphabet character.", nameof(mapped));
        }

        return bytes;
    }

    private static List<int> PrintableBytes() =>
        [.. Enumerable.Range('!', '~' - '!' + 1), .. Enumerable.Range(0xA1, 0xAC - 0xA1 + 1), .. Enumerable.Range(0xAE, 0xFF - 0xAE + 1)];

    private static char[] Build()
    {
        var map = new char[256];
        List<int> printable = PrintableBytes();
        foreach (int b in printable)
        {
            map[b] = (char)b;
        }

        int next = 0;
        for (int b = 0; b < 256; b++)
        {
            if (!printable.Contains(b))
            {
                map[b] = (char)(256 + next);
                next++;
            }
        }

        return map;
    }

    private static char[] BuildVocabularyOrder()
    {
        List<int> printable = PrintableBytes();
        var order = new List<char>(256);
        order.AddRange(printable.Select(b => (char)b));
        int next = 0;
        for (int b = 0; b < 256; b++)
        {
            if (!printable.Contains(b))
            {
                order.Add((char)(256 + next));
                next++;
            }
        }

        return [.. order];
    }
}
