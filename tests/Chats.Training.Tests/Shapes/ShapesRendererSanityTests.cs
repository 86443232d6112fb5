using Chats.Training.Shapes;

namespace Chats.Training.Tests.Shapes;

/// <summary>SPEC §3: every image drawn by the renderer is judged correct for its own prompt (the benchmark's sanity bound).</summary>
public sealed class ShapesRendererSanityTests
{
    private const int RandomPromptsPerCategory = 300;

    public static TheoryData<ShapesCategory> Categories() => [.. ShapesVocabulary.Categories];

    [Theory]
    [MemberData(nameof(Categories))]
    public void RandomPrompts_EveryRender_IsJudgedCorrect(ShapesCategory category)
    {
        var generator = new ShapesPromptGenerator(1234 + (int)category);
        var rng = new Random(99 + (int)category);
        for (int i = 0; i < RandomPromptsPerCategory; i++)
        {
            var prompt = generator.Next(category);
            var scene = ShapesRenderer.Render(prompt, rng);
            AssertSceneFollowsTheWorld(prompt, scene);
            var objects = ShapesScorer.Detect(ShapesRenderer.RenderRgb(scene));
            Assert.True(ShapesScorer.Judge(prompt, objects), $"render {i} of '{prompt.ToText()}' judged wrong: {Describe(scene)}");
            Assert.Equal(scene.Objects.Count, objects.Count);
        }
    }

    [Fact]
    public void PublicPrompts_EveryRenderWithEverySeed_IsJudgedCorrect()
    {
        var entries = ShapesEvalSet.Load(ShapesBenchmarkFiles.PublicPrompts);
        int renders = 0;
        foreach (var entry in entries)
        {
            foreach (int seed in ShapesEvalSet.Seeds)
            {
                var scene = ShapesRenderer.Render(entry.Prompt, new Random(entry.NoiseSeed(seed)));
                AssertSceneFollowsTheWorld(entry.Prompt, scene);
                Assert.True(ShapesScorer.Judge(entry.Prompt, ShapesRenderer.RenderRgb(scene)),
                    $"{entry.ImageFileName(seed)} '{entry.Prompt.ToText()}' judged wrong: {Describe(scene)}");
                renders++;
            }
        }

        Assert.Equal(288 * 4, renders);
    }

    [Fact]
    public void EveryShapeAndSize_IsDetectedAsItself_AtTheExpectedPixelCount()
    {
        foreach (var kind in ShapesVocabulary.Shapes)
        {
            for (int size = ShapesRenderer.MinSize; size <= ShapesRenderer.MaxSize; size++)
            {
                var scene = new ShapesScene([new SceneObject(kind, ShapeColor.Purple, 20, 20, size)]);
                var objects = ShapesScorer.Detect(ShapesRenderer.RenderRgb(scene));
                var o = Assert.Single(objects);
                Assert.Equal((kind, ShapeColor.Purple), (o.Shape, o.Color));
                var (cx, cy) = scene.Objects[0].Centroid();
                Assert.Equal(cx, o.CentroidX);
                Assert.Equal(cy, o.CentroidY);
            }
        }
    }

    [Fact]
    public void Render_SameSeed_SameScene()
    {
        var prompt = ShapesPrompt.Parse("a circle below a triangle");
        var a = ShapesRenderer.Render(prompt, new Random(5));
        var b = ShapesRenderer.Render(prompt, new Random(5));
        Assert.Equal(a.Objects, b.Objects);
        Assert.Equal(ShapesRenderer.RenderRgb(a), ShapesRenderer.RenderRgb(b));
    }

    [Fact]
    public void RenderRgb_DrawsFlatShapesOnWhite()
    {
        var scene = new ShapesScene([new SceneObject(ShapeKind.Square, ShapeColor.Green, 2, 3, 12)]);
        var rgb = ShapesRenderer.RenderRgb(scene);
        Assert.Equal(64 * 64 * 3, rgb.Length);
        Assert.Equal(new byte[] { 255, 255, 255 }, rgb[..3]);
        int inside = ((3 * 64) + 2) * 3;
        Assert.Equal(new byte[] { 40, 170, 70 }, rgb[inside..(inside + 3)]);
        int green = Enumerable.Range(0, 64 * 64).Count(i => rgb[3 * i] == 40 && rgb[(3 * i) + 1] == 170 && rgb[(3 * i) + 2] == 70);
        Assert.Equal(144, green);
        Assert.Equal(64 * 64 - 144, Enumerable.Range(0, 64 * 64).Count(i => rgb[3 * i] == 255 && rgb[(3 * i) + 1] == 255 && rgb[(3 * i) + 2] == 255));
    }

    private static void AssertSceneFollowsTheWorld(ShapesPrompt prompt, ShapesScene scene)
    {
        foreach (var o in scene.Objects)
        {
            Assert.InRange(o.Size, 12, 18);
            Assert.InRange(o.X, 2, 64 - 2 - o.Size);
            Assert.InRange(o.Y, 2, 64 - 2 - o.Size);
            foreach (var other in scene.Objects)
            {
                Assert.True(ReferenceEquals(o, other) || o.IsApartFrom(other, 2), Describe(scene));
            }
        }

        int expected = prompt.Category switch
        {
            ShapesCategory.SingleObject or ShapesCategory.Colors => 1,
            ShapesCategory.Counting => prompt.Count!.Value,
            _ => 2,
        };
        Assert.Equal(expected, scene.Objects.Count);
        Assert.Equal(prompt.Shape1, scene.Objects[0].Kind);
    }

    private static string Describe(ShapesScene scene) => string.Join("; ", scene.Objects);
}
