using Chats.Core.Tokenization;

namespace Chats.Core.Tests.Tokenization;

/// <summary>The ftfy subset, on inputs ftfy 6.3.1 fixes this way.</summary>
public sealed class ClipTextCleanerTests
{
    [Theory]
    [InlineData("schÃ¶n cafÃ©", "schön café")]
    [InlineData("donâ€™t", "don't")]
    [InlineData("double &amp;amp; escaped", "double & escaped")]
    [InlineData("<b>x</b> &amp;", "<b>x</b> &amp;")]
    [InlineData("&#39;quoted&#39; &unknownentity;", "'quoted' &unknownentity;")]
    [InlineData("\u201Ccurly\u201D \u2018single\u2019", "\"curly\" 'single'")]
    [InlineData("\uFB01ne \uFF26\uFF35\uFF2C\uFF2C", "fine FULL")]
    [InlineData("e\u0301", "\u00E9")]
    [InlineData("bell\u0007 null\u0000 bom\uFEFF", "bell null bom")]
    [InlineData("line\r\nbreak\u2028", "line\nbreak\n")]
    [InlineData("\u0085c1", "\u2026c1")]
    [InlineData("caf\u00E9 cr\u00E8me \u00BD \u00A9", "caf\u00E9 cr\u00E8me \u00BD \u00A9")]
    public void FixText_AppliesFtfyFixes(string input, string expected) =>
        Assert.Equal(expected, ClipTextCleaner.FixText(input));

    [Fact]
    public void FixText_StopsUnescapingFromFirstLineWithTag() =>
        Assert.Equal("&\n<b>&amp;\n&amp;", ClipTextCleaner.FixText("&amp;amp;\n<b>&amp;\n&amp;"));

    [Fact]
    public void Clean_CollapsesWhitespaceAndLowerCases() =>
        Assert.Equal("a b c", ClipTextCleaner.Clean("  A\t\u00A0B\n\u001FC  "));
}
