using Chats.Core.Loading;
using Chats.Core.Sampling;
using Chats.Inference.Models.SD3Transformer;
using Chats.Inference.Roles;
using Chats.Inference.Models.UNet2DCondition;
using static TorchSharp.torch;

namespace Chats.Training.Training;

/// <summary>
/// A family of denoising networks the preference trainers fine-tune: its diffusers class name (as
/// <c>model_index.json</c> names it), the component folders of a plain pipeline's model and of CHATS' θ+ and θ−, and
/// how to load and call one. A reference pipeline's family is read from its <c>model_index.json</c>.
/// </summary>
public sealed class DenoiserFamily
{
    private readonly Func<string, nn.Module> _load;
    private readonly Func<nn.Module, DenoiserNetwork?> _wrap;

    private DenoiserFamily(string className, string standard, string preferred, string dispreferred, Func<string, nn.Module> load, Func<nn.Module, DenoiserNetwork?> wrap)
    {
        ClassName = className;
        Standard = standard;
        Preferred = preferred;
        Dispreferred = dispreferred;
        _load = load;
        _wrap = wrap;
    }

    /// <summary>UNets, SD1.5-style or SDXL-style (<c>text_time</c>): <c>unet</c>, <c>unet_win</c>, <c>unet_lose</c>.</summary>
    public static DenoiserFamily UNet { get; } = new(
        UNetDenoiserModel.ModelClass,
        DenoiserComponents.Standard,
        DenoiserComponents.Preferred,
        DenoiserComponents.Dispreferred,
        UNet2DConditionModel.Load,
        module => module is UNet2DConditionModel unet ? new UNetDenoiserNetwork(unet) : null);

    /// <summary>SD3's MMDiT: <c>transformer</c>, <c>transformer_win</c>, <c>transformer_lose</c> (named after the CHATS pipelines' UNets).</summary>
    public static DenoiserFamily SD3Transformer { get; } = new(
        SD3TransformerDenoiserModel.ModelClass,
        DenoiserComponents.TransformerStandard,
        DenoiserComponents.TransformerPreferred,
        DenoiserComponents.TransformerDispreferred,
        SD3Transformer2DModel.Load,
        module => module is SD3Transformer2DModel transformer ? new SD3TransformerDenoiserNetwork(transformer) : null);

    /// <summary>Every family, in the order a reference pipeline is searched.</summary>
    public static IReadOnlyList<DenoiserFamily> All { get; } = [UNet, SD3Transformer];

    /// <summary>The diffusers class, e.g. <c>UNet2DConditionModel</c>.</summary>
    public string ClassName { get; }

    /// <summary>The single model of a plain pipeline (θ_ref, or the trained θ of one-model methods).</summary>
    public string Standard { get; }

    /// <summary>θ+ of a CHATS pipeline.</summary>
    public string Preferred { get; }

    /// <summary>θ− of a CHATS pipeline.</summary>
    public string Dispreferred { get; }

    /// <summary>The three component names.</summary>
    public IReadOnlyList<string> Components => [Standard, Preferred, Dispreferred];

    /// <summary>The family of <paramref name="module"/>.</summary>
    /// <exception cref="NotSupportedException">The module is no family's network.</exception>
    public static DenoiserFamily Of(nn.Module module) => Network(module).Family;

    /// <summary>
    /// The reference model of <paramref name="pipeline"/>: the first family whose plain component (else its θ+) is
    /// named in <c>model_index.json</c> with the family's class.
    /// </summary>
    /// <exception cref="InvalidDataException">No component of a known family is there.</exception>
    public static (DenoiserFamily Family, string Component) ReferenceOf(DiffusersPipelineFolder pipeline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        foreach (var family in All)
        {
            foreach (string component in new[] { family.Standard, family.Preferred })
            {
                if (pipeline.HasComponent(component) && pipeline.ComponentClass(component) == family.ClassName)
                {
                    return (family, component);
                }
            }
        }

        throw new InvalidDataException(
            $"{pipeline.Root}: the reference pipeline has no {string.Join(", no ", All.Select(f => $"{f.Standard} or {f.Preferred} ({f.ClassName})"))}");
    }

    /// <summary>Loads a component folder of this family strictly; the caller owns the module.</summary>
    public nn.Module Load(string componentDir) => _load(componentDir);

    /// <inheritdoc/>
    public override string ToString() => ClassName;

    internal static DenoiserNetwork Network(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        foreach (var family in All)
        {
            if (family._wrap(module) is { } network)
            {
                return network;
            }
        }

        throw new NotSupportedException($"{module.GetType().Name} is not a network the preference trainers fine-tune (expected one of: {string.Join(", ", All.Select(f => f.ClassName))})");
    }
}
