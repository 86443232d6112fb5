namespace Chats.Inference.Roles;

/// <summary>One named tensor a denoiser needs in every conditioning, and its shape.</summary>
/// <param name="Name">The tensor's name (<see cref="Core.Sampling.ConditioningNames"/>).</param>
/// <param name="Shape">Its dimensions; <see cref="AnyLength"/> for a dimension of any positive length (the token count).</param>
public sealed record ConditioningSpec(string Name, IReadOnlyList<long> Shape)
{
    /// <summary>A dimension of any positive length.</summary>
    public const long AnyLength = -1;

    /// <summary>True when <paramref name="shape"/> fits this spec.</summary>
    public bool Accepts(IReadOnlyList<long> shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Count != Shape.Count)
        {
            return false;
        }

        for (int i = 0; i < shape.Count; i++)
        {
            if (Shape[i] == AnyLength ? shape[i] < 1 : shape[i] != Shape[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The shape as a message shows it, e.g. <c>[tokens, 768]</c>.</summary>
    public string Describe() => "[" + string.Join(", ", Shape.Select(d => d == AnyLength ? "tokens" : d.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]";
}
