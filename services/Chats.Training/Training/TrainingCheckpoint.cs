using System.Text.Json;
using System.Text.Json.Serialization;
using TorchSharp;
using static TorchSharp.torch;

namespace Chats.Training.Training;

/// <summary>
/// A training checkpoint folder in the diffusers layout, loadable by the serving side as-is:
/// <list type="bullet">
/// <item><c>unet_win</c> (θ+) and <c>unet_lose</c> (θ−) for CHATS and its no-reference ablation; <c>unet</c> for
/// Diffusion-DPO, the fine-tune variants and standard training (<c>transformer_win</c>, <c>transformer_lose</c>,
/// <c>transformer</c> for SD3 transformers, see <see cref="DenoiserFamily"/>); <c>text_encoder</c> when it is
/// trained jointly;</item>
/// <item><c>trainer_state.json</c>: step, seed and full generator state, hyper-parameters, forward process;</item>
/// <item><c>optimizer.bin</c>: the AdamW state (moments and step counts) in TorchSharp's own state-dict format
/// (<c>OptimizerHelper.save_state_dict</c>), not PyTorch's pickle; it reloads only into an optimiser built over
/// the same parameters in the same order, which is what the trainers' <c>Resume</c> does.</item>
/// </list>
/// The frozen reference model is not written (it is the pretrained model the run started from); pass it to
/// <see cref="PreferenceTrainer.Resume"/>.
/// </summary>
public static class TrainingCheckpoint
{
    /// <summary>The trainer state file.</summary>
    public const string StateFileName = "trainer_state.json";

    /// <summary>The optimiser state file.</summary>
    public const string OptimizerFileName = "optimizer.bin";

    /// <summary>Text-encoder component folder.</summary>
    public const string TextEncoder = "text_encoder";

    private static readonly JsonSerializerOptions s_json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>Writes <c>trainer_state.json</c> into <paramref name="folder"/>.</summary>
    public static void WriteState(string folder, TrainerState state)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, StateFileName), JsonSerializer.Serialize(state, s_json));
    }

    /// <summary>Reads <c>trainer_state.json</c> from <paramref name="folder"/>.</summary>
    /// <exception cref="InvalidDataException">The file is missing fields or is not JSON.</exception>
    public static TrainerState ReadState(string folder)
    {
        string path = Path.Combine(folder, StateFileName);
        try
        {
            return JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(path), s_json)
                ?? throw new InvalidDataException($"{path}: empty trainer state");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Reads <c>trainer_state.json</c> and checks that <paramref name="trainer"/> wrote it.</summary>
    /// <exception cref="InvalidDataException">The folder holds another trainer's checkpoint, or the file is unreadable.</exception>
    public static TrainerState ReadState(string folder, string trainer)
    {
        var state = ReadState(folder);
        return state.Trainer == trainer
            ? state
            : throw new InvalidDataException($"{folder}: not a {trainer} checkpoint (trainer '{state.Trainer}')");
    }

    /// <summary>The generator's state as base64 text.</summary>
    public static string EncodeGeneratorState(Generator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        using var state = generator.get_state();
        return Convert.ToBase64String(state.data<byte>().ToArray());
    }

    /// <summary>Restores a state written by <see cref="EncodeGeneratorState"/>.</summary>
    public static void RestoreGeneratorState(Generator generator, string base64)
    {
        ArgumentNullException.ThrowIfNull(generator);
        using var state = tensor(Convert.FromBase64String(base64), dtype: uint8);
        generator.set_state(state);
    }
}
