using Chats.Core.Sampling;
using Chats.Core.Tensors;

namespace Chats.Inference.Roles;

/// <summary>Checks a session's named conditionings against what a denoiser declares it needs.</summary>
public static class ConditioningValidation
{
    /// <summary>
    /// Every conditioning must carry exactly the tensors of <paramref name="specs"/>, each of its shape: a missing one,
    /// one of another shape and one the model does not take all fail naming <c>field[i].tensors[name]</c>.
    /// </summary>
    /// <exception cref="RequestValidationException">A conditioning does not fit.</exception>
    public static void Validate(IReadOnlyList<ConditioningSpec> specs, IReadOnlyList<PromptConditioning> conditionings, string field)
    {
        ArgumentNullException.ThrowIfNull(specs);
        ArgumentNullException.ThrowIfNull(conditionings);
        for (int i = 0; i < conditionings.Count; i++)
        {
            var c = conditionings[i];
            foreach (var spec in specs)
            {
                if (c.Get(spec.Name) is not { } tensor)
                {
                    throw new RequestValidationException($"{field}[{i}].tensors[{spec.Name}]", $"is required by this model ({spec.Describe()})");
                }

                if (!spec.Accepts(tensor.Shape))
                {
                    throw new RequestValidationException(
                        $"{field}[{i}].tensors[{spec.Name}]", $"shape [{string.Join(", ", tensor.Shape)}] must be {spec.Describe()}");
                }
            }

            foreach (string name in c.Tensors.Keys)
            {
                if (!specs.Any(s => s.Name == name))
                {
                    throw new RequestValidationException(
                        $"{field}[{i}].tensors[{name}]", $"is not a conditioning this model takes (it takes {string.Join(", ", specs.Select(s => s.Name))})");
                }
            }
        }
    }

    /// <summary>The specs of a text-conditioned network: token embeddings of <paramref name="tokenWidth"/>, and a pooled embedding and time ids when their sizes are positive.</summary>
    public static IReadOnlyList<ConditioningSpec> Specs(int tokenWidth, int pooledSize = 0, int timeIds = 0)
    {
        var specs = new List<ConditioningSpec> { new(ConditioningNames.PromptEmbeds, [ConditioningSpec.AnyLength, tokenWidth]) };
        if (pooledSize > 0)
        {
            specs.Add(new(ConditioningNames.PooledPromptEmbeds, [pooledSize]));
        }

        if (timeIds > 0)
        {
            specs.Add(new(ConditioningNames.TimeIds, [timeIds]));
        }

        return specs;
    }

    /// <summary>True when every element of <paramref name="tensor"/> is finite.</summary>
    internal static bool AllFinite(HostTensor tensor)
    {
        foreach (float v in tensor.Data)
        {
            if (!float.IsFinite(v))
            {
                return false;
            }
        }

        return true;
    }
}
