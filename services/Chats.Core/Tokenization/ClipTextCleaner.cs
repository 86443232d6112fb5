using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Chats.Core.Tokenization;

/// <summary>
/// The text clean-up transformers' slow <c>CLIPTokenizer</c> runs before BPE:
/// <c>whitespace_clean(ftfy.fix_text(text)).lower()</c>. The ftfy part is the subset of ftfy 6.3.1's
/// default <c>fix_text</c> that prompts meet: HTML entity unescaping (only when the line holds no
/// '&lt;', repeated to a fixed point), UTF-8-read-as-Windows-1252 mojibake, C1 controls, Latin
/// ligatures, full-width characters, curly quotes, line breaks, control characters, terminal escapes
/// and NFC. ftfy's statistical "badness" test is replaced by a stricter rule: only character runs
/// that re-encode to one complete UTF-8 sequence are decoded.
/// </summary>
internal static partial class ClipTextCleaner
{
    // Windows-1252 for 0x80..0x9F as ftfy's "sloppy-windows-1252": undefined bytes map to the C1 control.
    private static readonly char[] s_cp1252High =
    [
        '\u20AC', '\u0081', '\u201A', '\u0192', '\u201E', '\u2026', '\u2020', '\u2021',
        '\u02C6', '\u2030', '\u0160', '\u2039', '\u0152', '\u008D', '\u017D', '\u008F',
        '\u0090', '\u2018', '\u2019', '\u201C', '\u201D', '\u2022', '\u2013', '\u2014',
        '\u02DC', '\u2122', '\u0161', '\u203A', '\u0153', '\u009D', '\u017E', '\u0178',
    ];

    private static readonly Dictionary<char, byte> s_cp1252Encode = BuildCp1252Encoder();

    private static readonly Dictionary<char, string> s_ligatures = new()
    {
        ['\u0132'] = "IJ", ['\u0133'] = "ij", ['\u0149'] = "\u02BCn",
        ['\u01F1'] = "DZ", ['\u01F2'] = "Dz", ['\u01F3'] = "dz",
        ['\u01C4'] = "D\u017D", ['\u01C5'] = "D\u017E", ['\u01C6'] = "d\u017E",
        ['\u01C7'] = "LJ", ['\u01C8'] = "Lj", ['\u01C9'] = "lj",
        ['\u01CA'] = "NJ", ['\u01CB'] = "Nj", ['\u01CC'] = "nj",
        ['\uFB00'] = "ff", ['\uFB01'] = "fi", ['\uFB02'] = "fl", ['\uFB03'] = "ffi",
        ['\uFB04'] = "ffl", ['\uFB05'] = "\u017Ft", ['\uFB06'] = "st",
    };

    /// <summary>ftfy-style fixing, whitespace collapsing and lower-casing, as the slow CLIPTokenizer does.</summary>
    public static string Clean(string text) => CollapseWhitespace(FixText(text)).ToLowerInvariant();

    /// <summary>The ftfy subset; ftfy fixes line by line and stops unescaping HTML after the first line holding '&lt;'.</summary>
    public static string FixText(string text)
    {
        var result = new StringBuilder(text.Length);
        bool unescapeHtml = true;
        int position = 0;
        while (position < text.Length)
        {
            int lineBreak = text.IndexOf('\n', position);
            int end = lineBreak < 0 ? text.Length : lineBreak + 1;
            string segment = text[position..end];
            if (segment.Contains('<', StringComparison.Ordinal))
            {
                unescapeHtml = false;
            }

            result.Append(FixSegment(segment, unescapeHtml));
            position = end;
        }

        return result.ToString();
    }

    /// <summary>Python's <c>re.sub(r"\s+", " ", text).strip()</c> (str.isspace also counts U+001C..U+001F).</summary>
    public static string CollapseWhitespace(string text) => WhitespaceRun().Replace(text, " ").Trim(' ');

    private static string FixSegment(string text, bool unescapeHtml)
    {
        // ftfy repeats its fixes until nothing changes (e.g. "&amp;amp;" -> "&amp;" -> "&").
        for (int round = 0; round < 16; round++)
        {
            string before = text;
            if (unescapeHtml)
            {
                text = HtmlEntity().Replace(text, UnescapeEntity);
            }

            text = TerminalEscape().Replace(text, string.Empty);
            text = FixUtf8Mojibake(text);
            text = FixC1Controls(text);
            text = MapChars(text, c => s_ligatures.GetValueOrDefault(c));
            text = MapChars(text, FullWidthToNormal);
            text = SingleCurlyQuote().Replace(text, "'");
            text = DoubleCurlyQuote().Replace(text, "\"");
            text = text.Replace("\r\n", "\n", StringComparison.Ordinal);
            text = OtherLineBreak().Replace(text, "\n");
            text = RemoveControlChars(text);
            text = text.Normalize(NormalizationForm.FormC);
            if (text == before)
            {
                break;
            }
        }

        return text;
    }

    private static string UnescapeEntity(Match match)
    {
        string decoded = WebUtility.HtmlDecode(match.Value);
        // A half-decoded entity keeps its semicolon; ftfy then leaves the original text alone.
        return decoded.Contains(';', StringComparison.Ordinal) ? match.Value : decoded;
    }

    private static string FixUtf8Mojibake(string text)
    {
        if (!text.Any(c => c >= '\u00C2'))
        {
            return text;
        }

        var result = new StringBuilder(text.Length);
        int i = 0;
        while (i < text.Length)
        {
            int length = MojibakeSequenceLength(text, i);
            if (length > 0)
            {
                var bytes = new byte[length];
                for (int k = 0; k < length; k++)
                {
                    bytes[k] = s_cp1252Encode[text[i + k]];
                }

                result.Append(Encoding.UTF8.GetString(bytes));
                i += length;
            }
            else
            {
                result.Append(text[i]);
                i++;
            }
        }

        return result.ToString();
    }

    /// <summary>Length of a run at <paramref name="start"/> that, encoded as Windows-1252, is one valid multi-byte UTF-8 character; else 0.</summary>
    private static int MojibakeSequenceLength(string text, int start)
    {
        if (!s_cp1252Encode.TryGetValue(text[start], out byte lead))
        {
            return 0;
        }

        int length = lead switch
        {
            >= 0xC2 and <= 0xDF => 2,
            >= 0xE0 and <= 0xEF => 3,
            >= 0xF0 and <= 0xF4 => 4,
            _ => 0,
        };
        if (length == 0 || start + length > text.Length)
        {
            return 0;
        }

        var bytes = new byte[length];
        bytes[0] = lead;
        for (int k = 1; k < length; k++)
        {
            if (!s_cp1252Encode.TryGetValue(text[start + k], out byte next) || next is < 0x80 or > 0xBF)
            {
                return 0;
            }

            bytes[k] = next;
        }

        // Reject overlong forms and surrogates, as a strict UTF-8 decoder does.
        return Rune.DecodeFromUtf8(bytes, out _, out int consumed) == System.Buffers.OperationStatus.Done && consumed == length
            ? length
            : 0;
    }

    private static string FixC1Controls(string text) =>
        MapChars(text, c => c is >= '\u0080' and <= '\u009F' ? s_cp1252High[c - 0x80].ToString() : null);

    private static string? FullWidthToNormal(char c)
    {
        if (c == '\u3000')
        {
            return " ";
        }

        if (c is >= '\uFF01' and <= '\uFFEF')
        {
            string normalized = c.ToString().Normalize(NormalizationForm.FormKC);
            return normalized == c.ToString() ? null : normalized;
        }

        return null;
    }

    private static string RemoveControlChars(string text)
    {
        var result = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            int codePoint = char.IsSurrogatePair(text, i) ? char.ConvertToUtf32(text[i], text[i + 1]) : text[i];
            int width = codePoint > 0xFFFF ? 2 : 1;
            if (!IsRemovedControl(codePoint))
            {
                result.Append(text, i, width);
            }

            i += width - 1;
        }

        return result.ToString();
    }

    // ftfy's CONTROL_CHARS: C0 controls except \t \n \f \r, DEL, deprecated format characters,
    // the BOM, interlinear annotation, musical formatting and tag characters.
    private static bool IsRemovedControl(int c) =>
        c is (>= 0x00 and <= 0x08) or 0x0B or (>= 0x0E and <= 0x1F) or 0x7F
            or (>= 0x206A and <= 0x206F) or 0xFEFF or (>= 0xFFF9 and <= 0xFFFC)
            or (>= 0x1D173 and <= 0x1D17A) or (>= 0xE0000 and <= 0xE007F);

    private static string MapChars(string text, Func<char, string?> map)
    {
        StringBuilder? result = null;
        for (int i = 0; i < text.Length; i++)
        {
            string? replacement = map(text[i]);
            if (replacement is not null)
            {
                result ??= new StringBuilder(text, 0, i, text.Length + 8);
                result.Append(replacement);
            }
            else
            {
                result?.Append(text[i]);
            }
        }

        return result?.ToString() ?? text;
    }

    private static Dictionary<char, byte> BuildCp1252Encoder()
    {
        var map = new Dictionary<char, byte>();
        for (int b = 0xA0; b <= 0xFF; b++)
        {
            map[(char)b] = (byte)b;
        }

        for (int b = 0x80; b <= 0x9F; b++)
        {
            map[s_cp1252High[b - 0x80]] = (byte)b;
        }

        return map;
    }

    [GeneratedRegex(@"&#?[0-9A-Za-z]{1,24};", RegexOptions.CultureInvariant)]
    private static partial Regex HtmlEntity();

    [GeneratedRegex(@"\x1B\[(?:\d|;)*[a-zA-Z]", RegexOptions.CultureInvariant)]
    private static partial Regex TerminalEscape();

    [GeneratedRegex("[\u02BC\u2018-\u201B]", RegexOptions.CultureInvariant)]
    private static partial Regex SingleCurlyQuote();

    [GeneratedRegex("[\u201C-\u201F]", RegexOptions.CultureInvariant)]
    private static partial Regex DoubleCurlyQuote();

    [GeneratedRegex("[\r\u2028\u2029\u0085]", RegexOptions.CultureInvariant)]
    private static partial Regex OtherLineBreak();

    [GeneratedRegex(@"[\s\x1C-\x1F]+", RegexOptions.CultureInvariant)]
    private static partial Regex WhitespaceRun();
}
