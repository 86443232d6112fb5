using Chats.Core.Loading;
using Chats.Core.Sampling;
using Chats.Inference.Models.Clip;
using Chats.Inference.Models.SD3Transformer;
using Chats.Inference.Models.UNet2DCondition;
using Chats.Inference.Models.Vae;
using Chats.Inference.Roles;
using TorchSharp;
using static TorchSharp.torch;

namespace Chats.Tools;

/// <summary>
/// Runs one component of a pipeline folder on named inputs and returns named outputs, with the tensor names of
/// the diffusers-reference case files — for users verifying a checkpoint and for our parity checks.
/// </summary>
public static class ComponentRunner
{
    /// <summary>The component names accepted by <see cref="Run"/>.</summary>
    public static IReadOnlyList<string> Components { get; } =
        ["text_encoder", "text_encoder_2", "text_encoder_two", .. DenoiserComponents.All, "vae.decode", "vae.encode"];

    /// <summary>Loads only <paramref name="component"/> of <paramref name="modelDir"/> and runs it in fp32 inference mode.</summary>
    public static Dictionary<string, Tensor> Run(string modelDir, string component, IReadOnlyDictionary<string, Tensor> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var folder = DiffusersPipelineFolder.Open(modelDir);
        using var mode = torch.inference_mode();
        switch (component)
        {
            case "text_encoder":
            {
                using var model = ClipTextModel.Load(folder.ComponentPath("text_encoder"));
                using var output = model.forward(Input(inputs, "input_ids").to(ScalarType.Int64));
                return new()
                {
                    ["last_hidden_state"] = output.LastHiddenState.clone(),
                    ["penultimate_hidden_state"] = output.PenultimateHiddenState.clone(),
                    ["pooler_output"] = output.PooledOutput.clone(),
                };
            }

            case "text_encoder_2" or "text_encoder_two":
            {
                string name = folder.FirstComponent("text_encoder_2", "text_encoder_two")
                    ?? throw new InvalidDataException($"{folder.Root}: the pipeline has neither text_encoder_2 nor text_encoder_two");
                using var model = ClipTextModelWithProjection.Load(folder.ComponentPath(name));
                using var output = model.forward(Input(inputs, "input_ids").to(ScalarType.Int64));
                return new()
                {
                    ["last_hidden_state"] = output.LastHiddenState.clone(),
                    ["penultimate_hidden_state"] = output.PenultimateHiddenState.clone(),
                    ["pooled_output"] = output.PooledOutput.clone(),
                    ["text_embeds"] = output.TextEmbeds!.clone(),
                };
            }

            case DenoiserComponents.Standard or DenoiserComponents.Preferred or DenoiserComponents.Dispreferred
                or DenoiserComponents.TransformerStandard or DenoiserComponents.TransformerPreferred or DenoiserComponents.TransformerDispreferred:
                return RunDenoiser(folder, component, inputs);

            case "vae.decode":
            {
                using var model = AutoencoderKL.Load(folder.ComponentPath("vae"));
                // The SD1.5 / SDXL cases name the input "latents", the SD3 cases "latent".
                var latents = inputs.GetValueOrDefault("latents") ?? Input(inputs, "latent");
                return new() { ["out_sample"] = model.decode(latents) };
            }

            case "vae.encode":
            {
                using var model = AutoencoderKL.Load(folder.ComponentPath("vae"));
                var moments = model.encode(Input(inputs, "image"));
                var halves = moments.chunk(2, 1);
                // diffusers' DiagonalGaussianDistribution clamps the log-variance before deriving std.
                var logvar = halves[1].clamp(-30.0, 20.0);
                return new()
                {
                    ["moments"] = moments,
                    ["latent_mean"] = halves[0].clone(),
                    ["latent_logvar"] = logvar,
                    ["latent_std"] = (logvar * 0.5).exp(),
                };
            }

            default:
                throw new ArgumentException($"component '{component}' is not one of {string.Join(", ", Components)}", nameof(component));
        }
    }

    /// <summary>
    /// A denoiser component, run by the network its class in model_index.json names (as the serving roles choose it), so a
    /// <c>unet*</c> name holding a transformer, or the reverse, still runs the right network.
    /// </summary>
    private static Dictionary<string, Tensor> RunDenoiser(DiffusersPipelineFolder folder, string component, IReadOnlyDictionary<string, Tensor> inputs)
    {
        string path = folder.ComponentPath(component);
        switch (folder.ComponentClass(component))
        {
            case UNetDenoiserModel.ModelClass:
            {
                using var model = UNet2DConditionModel.Load(path);
                var output = model.forward(
                    Input(inputs, "sample"),
                    Input(inputs, "timestep"),
                    Input(inputs, "encoder_hidden_states"),
                    inputs.GetValueOrDefault("text_embeds"),
                    inputs.GetValueOrDefault("time_ids"));
                return new() { ["out_sample"] = output };
            }

            case SD3TransformerDenoiserModel.ModelClass:
            {
                using var model = SD3Transformer2DModel.Load(path);
                var output = model.forward(
                    Input(inputs, "hidden_states"),
                    Input(inputs, "timestep"),
                    Input(inputs, "encoder_hidden_states"),
                    Input(inputs, "pooled_projections"));
                return new() { ["out_sample"] = output };
            }

            case var other:
                throw new InvalidDataException(
                    $"{Path.Combine(folder.Root, "model_index.json")}: component '{component}' is a '{other}'; the runner runs UNet2DConditionModel and SD3Transformer2DModel");
        }
    }

    private static Tensor Input(IReadOnlyDictionary<string, Tensor> inputs, string name)
        => inputs.TryGetValue(name, out var tensor)
            ? tensor
            : throw new ArgumentException($"the inputs have no tensor named '{name}' (they have: {string.Join(", ", inputs.Keys.Order(StringComparer.Ordinal))})");
}
