using System.Text.Json;
using Chats.Training.Shapes;

namespace Chats.Training.Tests.Shapes;

/// <summary>Reports with chosen percentages, built through the public JSON reader (the overall is the categories' mean).</summary>
internal static class TestReports
{
    public static ShapesReport WithCategories(params double[] percent)
    {
        Assert.Equal(6, percent.Length);
        var categories = ShapesVocabulary.Categories.Select((c, i) => (Name: ShapesVocabulary.CategoryName(c), Value: percent[i]))
            .ToDictionary(c => c.Name, c => c.Value);
        string json = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["overall"] = percent.Average(),
            ["categories"] = categories,
            ["seeds"] = new[] { 0, 1, 2, 3 },
            ["images"] = 1152,
        });
        return ShapesReport.ParseJson(json);
    }

    public static ShapesReport Uniform(double percent) => WithCategories(percent, percent, percent, percent, percent, percent);
}
