using Chats.Core.Sampling;
using Chats.Inference.Roles;
using Chats.Inference.Tensors;
using Chats.Training.Tests.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Chats.Training.Tests.Runs;

/// <summary>
/// Stands in for SD3's text encoders (the tiny fixture pipelines have none): each prompt, "" included, maps to token
/// embeddings (24, 64) and a pooled embedding (48) drawn from a generator seeded by the prompt's text, so the same
/// prompt always encodes the same and different prompts differ.
/// </summary>
internal sealed class SeededSd3TextEncoder : ITextConditioningModel
{
    public int Calls { get; private set; }

    public TextEncoderDescription Description { get; } =
        new("seeded-sd3", "seeded", TinySd3Models.Tokens, TinySd3Models.JointAttentionDim, TinySd3Models.PooledProjectionDim);

    public Task<IReadOnlyList<PromptConditioning>> EncodeAsync(IReadOnlyList<string> prompts, CancellationToken cancellationToken)
    {
        Calls++;
        var result = new List<PromptConditioning>(prompts.Count);
        foreach (string prompt in prompts)
        {
            // FNV-1a: string.GetHashCode is randomised per process.
            ulong seed = 14695981039346656037UL;
            foreach (char ch in prompt)
            {
                seed = (seed ^ ch) * 1099511628211UL;
            }

            using var g = new Generator(seed);
            using var tokens = randn([TinySd3Models.Tokens, TinySd3Models.JointAttentionDim], generator: g);
            using var pooled = randn([TinySd3Models.PooledProjectionDim], generator: g);
            result.Add(new PromptConditioning(TorchTensorCodec.ToHost(tokens), TorchTensorCodec.ToHost(pooled)));
        }

        return Task.FromResult<IReadOnlyList<PromptConditioning>>(result);
    }

    public void Dispose()
    {
    }
}
