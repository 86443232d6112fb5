using Chats.Training.Shapes;

namespace Chats.Training.Tests.Shapes;

public sealed class ShapesPromptTests
{
    public static TheoryData<string> PublicPrompts()
    {
        var data = new TheoryData<string>();
        foreach (string text in File.ReadLines(ShapesBenchmarkFiles.PublicPrompts)
            .Where(l => l.Length > 0)
            .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("prompt").GetString()!)
            .Distinct())
        {
            data.Add(text);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(PublicPrompts))]
    public void Parse_PublicPrompt_RoundTripsThroughToText(string text)
    {
        var prompt = ShapesPrompt.Parse(text);
        Assert.Equal(text, prompt.ToText());
        Assert.Equal(prompt, ShapesPrompt.Parse(prompt.ToText()));
    }

    [Fact]
    public void Parse_EveryGrammarPrompt_RoundTrips()
    {
        foreach (var category in ShapesVocabulary.Categories)
        {
            foreach (var prompt in ShapesPromptGenerator.All(category))
            {
                var parsed = ShapesPrompt.Parse(prompt.ToText());
                Assert.Equal(prompt, parsed);
                Assert.Equal(category, parsed.Category);
            }
        }
    }

    [Fact]
    public void Parse_FillsTheNamedParts()
    {
        var p = ShapesPrompt.Parse("a red circle and a blue triangle");
        Assert.Equal(ShapesCategory.ColorAttr, p.Category);
        Assert.Equal((ShapeColor.Red, ShapeKind.Circle, ShapeColor.Blue, ShapeKind.Triangle), (p.Color1, p.Shape1, p.Color2, p.Shape2));

        var q = ShapesPrompt.Parse("a square right of a circle");
        Assert.Equal((ShapesCategory.Position, ShapeKind.Square, ShapeRelation.RightOf, ShapeKind.Circle), (q.Category, q.Shape1, q.Relation, q.Shape2));

        var c = ShapesPrompt.Parse("four triangles");
        Assert.Equal((ShapesCategory.Counting, ShapeKind.Triangle, 4), (c.Category, c.Shape1, c.Count));
        Assert.Null(c.Color1);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("a hexagon")]
    [InlineData("A square")]
    [InlineData("a  square")]
    [InlineData(" a square")]
    [InlineData("a square ")]
    [InlineData("one square")]
    [InlineData("five circles")]
    [InlineData("two circle")]
    [InlineData("a squares")]
    [InlineData("a circle and a circle")]
    [InlineData("a circle left of a circle")]
    [InlineData("a circle next to a square")]
    [InlineData("a circle left a square")]
    [InlineData("a red circle and a red square")]
    [InlineData("a red circle and a blue circle")]
    [InlineData("an orange circle")]
    [InlineData("a red circle and a square")]
    public void Parse_OutsideTheGrammar_ThrowsNamingTheText(string text)
    {
        var e = Assert.Throws<FormatException>(() => ShapesPrompt.Parse(text));
        Assert.Contains($"'{text}'", e.Message, StringComparison.Ordinal);
        Assert.False(ShapesPrompt.TryParse(text, out _));
    }

    [Fact]
    public void Factories_RejectBrokenConstraints()
    {
        Assert.Throws<ArgumentException>(() => ShapesPrompt.TwoObject(ShapeKind.Square, ShapeKind.Square));
        Assert.Throws<ArgumentException>(() => ShapesPrompt.Position(ShapeKind.Circle, ShapeRelation.Above, ShapeKind.Circle));
        Assert.Throws<ArgumentException>(() => ShapesPrompt.ColorAttr(ShapeColor.Red, ShapeKind.Circle, ShapeColor.Red, ShapeKind.Square));
        Assert.Throws<ArgumentOutOfRangeException>(() => ShapesPrompt.Counting(5, ShapeKind.Square));
    }

    [Theory]
    [InlineData(ShapesCategory.SingleObject, 3)]
    [InlineData(ShapesCategory.TwoObject, 6)]
    [InlineData(ShapesCategory.Counting, 9)]
    [InlineData(ShapesCategory.Colors, 18)]
    [InlineData(ShapesCategory.Position, 24)]
    [InlineData(ShapesCategory.ColorAttr, 180)]
    public void All_EnumeratesEachDistinctPromptOfTheCategory(ShapesCategory category, int count)
    {
        var all = ShapesPromptGenerator.All(category);
        Assert.Equal(count, all.Count);
        Assert.Equal(count, all.Select(p => p.ToText()).Distinct().Count());
        Assert.All(all, p => Assert.Equal(category, p.Category));
    }

    [Fact]
    public void Generator_SameSeed_SameSequence_AndCoversTheCategory()
    {
        foreach (var category in ShapesVocabulary.Categories)
        {
            var a = new ShapesPromptGenerator(7);
            var b = new ShapesPromptGenerator(7);
            var first = Enumerable.Range(0, 2000).Select(_ => a.Next(category)).ToList();
            Assert.Equal(first, Enumerable.Range(0, 2000).Select(_ => b.Next(category)));
            Assert.Equal(ShapesPromptGenerator.All(category).Count, first.Distinct().Count());
        }

        var seven = new ShapesPromptGenerator(7);
        var eight = new ShapesPromptGenerator(8);
        Assert.NotEqual(
            Enumerable.Range(0, 20).Select(_ => seven.Next(ShapesCategory.ColorAttr)),
            Enumerable.Range(0, 20).Select(_ => eight.Next(ShapesCategory.ColorAttr)));
    }

    [Fact]
    public void Vocabulary_NamesAndColorsAreTheSpecOnes()
    {
        Assert.Equal(["single_object", "two_object", "counting", "colors", "position", "color_attr"],
            ShapesVocabulary.Categories.Select(ShapesVocabulary.CategoryName));
        Assert.Equal(ShapesCategory.ColorAttr, ShapesVocabulary.ParseCategory("color_attr"));
        Assert.Throws<FormatException>(() => ShapesVocabulary.ParseCategory("colour"));
        Assert.Equal(((byte)220, (byte)40, (byte)40), ShapesVocabulary.Rgb(ShapeColor.Red));
        Assert.Equal(((byte)240, (byte)200, (byte)30), ShapesVocabulary.Rgb(ShapeColor.Yellow));
        Assert.Equal(((byte)40, (byte)170, (byte)70), ShapesVocabulary.Rgb(ShapeColor.Green));
        Assert.Equal(((byte)40, (byte)90, (byte)230), ShapesVocabulary.Rgb(ShapeColor.Blue));
        Assert.Equal(((byte)160, (byte)60, (byte)200), ShapesVocabulary.Rgb(ShapeColor.Purple));
        Assert.Equal(((byte)30, (byte)30, (byte)30), ShapesVocabulary.Rgb(ShapeColor.Black));
    }
}
