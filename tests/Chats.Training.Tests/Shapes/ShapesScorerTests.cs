using Chats.Training.Shapes;

namespace Chats.Training.Tests.Shapes;

public sealed class ShapesScorerTests
{
    [Fact]
    public void Square15_IsJudgedASquare()
    {
        var canvas = new TestCanvas().Rect(10, 20, 15, 15, ShapeColor.Blue);
        var o = Assert.Single(canvas.Detect());
        Assert.Equal(new DetectedObject(ShapeKind.Square, ShapeColor.Blue, 225, 17, 27, (20 * 64) + 10), o);
        Assert.True(ShapesScorer.Judge(ShapesPrompt.Parse("a blue square"), canvas.Rgb));
        Assert.False(ShapesScorer.Judge(ShapesPrompt.Parse("a circle"), canvas.Rgb));
    }

    [Fact]
    public void CircleAndTriangle_AreJudgedAsSuch()
    {
        var canvas = new TestCanvas()
            .Shape(ShapeKind.Circle, 16, 4, 4, ShapeColor.Red)
            .Shape(ShapeKind.Triangle, 16, 30, 30, ShapeColor.Yellow);
        var objects = canvas.Detect();
        Assert.Equal(2, objects.Count);
        Assert.Equal((ShapeKind.Circle, ShapeColor.Red), (objects[0].Shape, objects[0].Color));
        Assert.Equal((ShapeKind.Triangle, ShapeColor.Yellow), (objects[1].Shape, objects[1].Color));
        Assert.True(ShapesScorer.Judge(ShapesPrompt.Parse("a red circle and a yellow triangle"), objects));
        Assert.True(ShapesScorer.Judge(ShapesPrompt.Parse("a circle above a triangle"), objects));
        Assert.True(ShapesScorer.Judge(ShapesPrompt.Parse("a triangle below a circle"), objects));
        Assert.False(ShapesScorer.Judge(ShapesPrompt.Parse("a circle below a triangle"), objects));
        Assert.False(ShapesScorer.Judge(ShapesPrompt.Parse("a yellow circle and a red triangle"), objects));
    }

    [Theory]
    [InlineData(10, 10, 100, ShapeKind.Square)]   // r = 1
    [InlineData(10, 10, 88, ShapeKind.Square)]    // r = 0.88
    [InlineData(10, 10, 87, ShapeKind.Circle)]
    [InlineData(10, 10, 66, ShapeKind.Circle)]    // r = 0.66
    [InlineData(10, 10, 65, ShapeKind.Triangle)]
    [InlineData(10, 10, 35, ShapeKind.Triangle)]  // r = 0.35
    [InlineData(10, 10, 34, null)]
    [InlineData(6, 10, 60, ShapeKind.Square)]     // w/h = 0.6
    [InlineData(5, 10, 50, null)]                 // w/h = 0.5
    [InlineData(16, 10, 160, ShapeKind.Square)]   // w/h = 1.6
    [InlineData(17, 10, 170, null)]               // w/h = 1.7
    public void Classify_UsesTheSpecThresholds(int w, int h, int pixels, ShapeKind? expected) =>
        Assert.Equal(expected, ShapesScorer.Classify(w, h, pixels));

    [Fact]
    public void Component_Of19Pixels_IsDiscarded_And20Kept()
    {
        var kept = new TestCanvas().Rect(10, 10, 5, 4, ShapeColor.Green);
        Assert.Equal(20, Assert.Single(kept.Detect()).PixelCount);

        var dropped = new TestCanvas().Rect(10, 10, 5, 4, ShapeColor.Green).Set(14, 13, (255, 255, 255));
        Assert.Empty(dropped.Detect());
    }

    [Fact]
    public void Components_Are4Connected_PerColorLabel()
    {
        // Two squares touching only at a corner are two components; two colors side by side are two objects.
        var canvas = new TestCanvas()
            .Rect(10, 10, 6, 6, ShapeColor.Black)
            .Rect(16, 16, 6, 6, ShapeColor.Black)
            .Rect(30, 10, 6, 6, ShapeColor.Red)
            .Rect(36, 10, 6, 6, ShapeColor.Blue);
        var objects = canvas.Detect();
        Assert.Equal(4, objects.Count);
        Assert.All(objects, o => Assert.Equal((ShapeKind.Square, 36), (o.Shape, o.PixelCount)));
    }

    [Fact]
    public void ColorAtDistance80_IsIgnored_And79Kept()
    {
        // Red (220, 40, 40) shifted along blue: distance 79 is red, distance 80 is background.
        var near = new TestCanvas().Rect(10, 10, 12, 12, (220, 40, 119));
        var o = Assert.Single(near.Detect());
        Assert.Equal((ShapeKind.Square, ShapeColor.Red), (o.Shape, o.Color));

        var far = new TestCanvas().Rect(10, 10, 12, 12, (220, 40, 120));
        Assert.Empty(far.Detect());
    }

    [Fact]
    public void Label_NearestReferenceWins_WhiteIsBackground()
    {
        Assert.Equal(-1, ShapesScorer.Label(255, 255, 255));
        Assert.Equal(-1, ShapesScorer.Label(230, 230, 230));
        Assert.Equal((int)ShapeColor.Black, ShapesScorer.Label(0, 0, 0));
        Assert.Equal((int)ShapeColor.Purple, ShapesScorer.Label(150, 70, 190));
        Assert.Equal(-1, ShapesScorer.Label(128, 128, 128)); // nearest is black but 170 away
    }

    [Theory]
    [InlineData(4.0, 0.0, false)]
    [InlineData(5.0, 0.0, true)]
    [InlineData(4.5, 0.0, true)]
    [InlineData(6.0, 6.0, false)]   // |dx| == |dy|
    [InlineData(6.0, -5.9, true)]
    public void LeftOf_NeedsDxAbove4_AndDominant(double dx, double dy, bool expected)
    {
        var objects = new[]
        {
            new DetectedObject(ShapeKind.Circle, ShapeColor.Red, 100, 20, 30, 0),
            new DetectedObject(ShapeKind.Square, ShapeColor.Blue, 100, 20 + dx, 30 + dy, 1),
        };
        Assert.Equal(expected, ShapesScorer.Judge(ShapesPrompt.Parse("a circle left of a square"), objects));
        Assert.Equal(expected, ShapesScorer.Judge(ShapesPrompt.Parse("a square right of a circle"), objects));
        Assert.False(ShapesScorer.Judge(ShapesPrompt.Parse("a circle right of a square"), objects));
    }

    [Theory]
    [InlineData(ShapeRelation.LeftOf, 5, 0)]
    [InlineData(ShapeRelation.RightOf, -5, 0)]
    [InlineData(ShapeRelation.Above, 0, 5)]
    [InlineData(ShapeRelation.Below, 0, -5)]
    public void Relations_HoldJustPastTheThreshold(ShapeRelation relation, int dx, int dy)
    {
        Assert.True(ShapesVocabulary.RelationHolds(relation, 10, 10, 10 + dx, 10 + dy));
        Assert.False(ShapesVocabulary.RelationHolds(relation, 10, 10, 10 + (dx * 4 / 5), 10 + (dy * 4 / 5)));
        Assert.All(ShapesVocabulary.Relations.Where(r => r != relation),
            other => Assert.False(ShapesVocabulary.RelationHolds(other, 10, 10, 10 + dx, 10 + dy)));
    }

    [Fact]
    public void LeftOf_OnAnImage_AtDx4And5()
    {
        // Two abutting 4 x 5 blocks of different colors: centroids 1.5 and 5.5 apart by exactly 4.
        var at4 = new TestCanvas().Rect(10, 10, 4, 5, ShapeColor.Red).Rect(14, 10, 4, 5, ShapeColor.Blue).Detect();
        Assert.Equal(4.0, at4[1].CentroidX - at4[0].CentroidX);
        Assert.False(ShapesVocabulary.RelationHolds(ShapeRelation.LeftOf, at4[0].CentroidX, at4[0].CentroidY, at4[1].CentroidX, at4[1].CentroidY));

        var at5 = new TestCanvas().Rect(10, 10, 4, 5, ShapeColor.Red).Rect(15, 10, 4, 5, ShapeColor.Blue).Detect();
        Assert.Equal(5.0, at5[1].CentroidX - at5[0].CentroidX);
        Assert.True(ShapesVocabulary.RelationHolds(ShapeRelation.LeftOf, at5[0].CentroidX, at5[0].CentroidY, at5[1].CentroidX, at5[1].CentroidY));
    }

    [Fact]
    public void Largest_TieGoesToTheFirstPixelInRowMajorOrder()
    {
        // Same size; the red one's first pixel (row 20) comes before the blue one's (row 21), though blue is further left.
        var canvas = new TestCanvas().Rect(40, 20, 6, 6, ShapeColor.Red).Rect(5, 21, 6, 6, ShapeColor.Blue);
        var objects = canvas.Detect();
        Assert.Equal(ShapeColor.Red, ShapesScorer.Largest(objects, ShapeKind.Square)!.Color);
        Assert.True(ShapesScorer.Judge(ShapesPrompt.Parse("a red square"), objects));
        Assert.False(ShapesScorer.Judge(ShapesPrompt.Parse("a blue square"), objects));

        // Same row: the left one comes first.
        var sameRow = new TestCanvas().Rect(40, 20, 6, 6, ShapeColor.Red).Rect(5, 20, 6, 6, ShapeColor.Blue).Detect();
        Assert.True(ShapesScorer.Judge(ShapesPrompt.Parse("a blue square"), sameRow));

        // A larger object wins regardless of order.
        var larger = new TestCanvas().Rect(40, 20, 6, 6, ShapeColor.Red).Rect(5, 21, 7, 7, ShapeColor.Blue).Detect();
        Assert.True(ShapesScorer.Judge(ShapesPrompt.Parse("a blue square"), larger));
    }

    [Fact]
    public void Counting_NeedsExactlyThatMany_OfThatShape()
    {
        var canvas = new TestCanvas()
            .Rect(2, 2, 12, 12, ShapeColor.Red)
            .Rect(20, 2, 12, 12, ShapeColor.Green)
            .Shape(ShapeKind.Circle, 14, 40, 40, ShapeColor.Black);
        var objects = canvas.Detect();
        Assert.True(ShapesScorer.Judge(ShapesPrompt.Parse("two squares"), objects));
        Assert.False(ShapesScorer.Judge(ShapesPrompt.Parse("three squares"), objects));
        Assert.False(ShapesScorer.Judge(ShapesPrompt.Parse("two circles"), objects));
        Assert.True(ShapesScorer.Judge(ShapesPrompt.Parse("a square and a circle"), objects));
        Assert.False(ShapesScorer.Judge(ShapesPrompt.Parse("a square and a triangle"), objects));
        Assert.True(ShapesScorer.Judge(ShapesPrompt.Parse("a circle"), objects));
        Assert.False(ShapesScorer.Judge(ShapesPrompt.Parse("a triangle"), objects));
    }

    [Fact]
    public void UnknownShapes_AreIgnored()
    {
        // A 20 x 4 bar (aspect 5) is not an object.
        var canvas = new TestCanvas().Rect(5, 5, 20, 4, ShapeColor.Red);
        Assert.Empty(canvas.Detect());
    }

    [Fact]
    public void Detect_RejectsAWrongBufferSize() =>
        Assert.Throws<ArgumentException>(() => ShapesScorer.Detect(new byte[10]));
}
