using Chats.Core.Tensors;
using Chats.Inference.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Chats.Inference.Roles;

/// <summary>
/// The rows of one batched forward pass, the same for every family: per item, per evaluated conditioning index, the
/// item's b latents with that conditioning's named tensors repeated b times (the order diffusers' CFG batch has them
/// within an item), and each row's own timestep.
/// </summary>
internal static class DenoiserBatchAssembly
{
    /// <summary>The forward's inputs: sample rows, each named conditioning tensor's rows, and the timesteps.</summary>
    /// <param name="batch">The items of the pass.</param>
    /// <param name="toModel">A received latent as a tensor on the model's device, in its dtype.</param>
    /// <param name="names">The conditioning tensors the network reads.</param>
    public static (Tensor Sample, IReadOnlyDictionary<string, Tensor> Conditioning, Tensor Timestep) Inputs(
        IReadOnlyList<DenoiserBatchItem> batch, Func<WireTensor, Tensor> toModel, IReadOnlyList<string> names)
    {
        var samples = new List<Tensor>();
        var rows = names.ToDictionary(n => n, _ => new List<Tensor>(), StringComparer.Ordinal);
        var timesteps = new List<float>();
        foreach (var item in batch)
        {
            long b = item.Latent.Shape[0];
            var sample = toModel(item.Latent);
            foreach (int i in item.Indices)
            {
                samples.Add(sample);
                foreach (string name in names)
                {
                    var t = item.Conditionings.Get(i, name);
                    rows[name].Add(t.unsqueeze(0).expand([b, .. t.shape]));
                }

                timesteps.AddRange(Enumerable.Repeat(item.Timestep, (int)b));
            }
        }

        var input = samples.Count == 1 ? samples[0] : torch.cat(samples, 0);
        var conditioning = rows.ToDictionary(p => p.Key, p => torch.cat(p.Value, 0), StringComparer.Ordinal);
        // A single timestep stays a scalar, as before batching (the network expands it to the batch).
        var timestep = batch.Count == 1 ? torch.tensor(batch[0].Timestep) : torch.tensor(timesteps.ToArray());
        return (input, conditioning, timestep);
    }

    /// <summary>The forward's output split back into each item's predictions, in its wire dtype.</summary>
    public static IReadOnlyList<IReadOnlyList<WireTensor>> Split(Tensor output, IReadOnlyList<DenoiserBatchItem> batch)
    {
        var results = new List<IReadOnlyList<WireTensor>>(batch.Count);
        long row = 0;
        foreach (var item in batch)
        {
            long b = item.Latent.Shape[0];
            var predictions = new List<WireTensor>(item.Indices.Count);
            for (int j = 0; j < item.Indices.Count; j++)
            {
                // Converted to the wire dtype by torch, then copied once into the bytes the response wraps.
                predictions.Add(TorchTensorCodec.ToWire(output.narrow(0, row, b), item.PredictionDType));
                row += b;
            }

            results.Add(predictions);
        }

        return results;
    }
}
