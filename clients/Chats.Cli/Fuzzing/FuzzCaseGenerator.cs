using System.Text;
using Chats.Core.Sampling;
using Chats.Protos.V1;
using Google.Protobuf;

namespace Chats.Cli.Fuzzing;

/// <summary>
/// A seeded generator of malformed (and some valid) chats.v1 requests: case i of seed s is the same on every run and
/// machine, so a failing case is replayed by its index. Byte-level damage (truncation, garbage, bit flips, invalid
/// UTF-8 in string fields) and field-level damage (out-of-range numbers, NaN/Inf, wrong shapes and dtypes, huge and
/// negative dimensions, out-of-order and repeated steps, bad indices, idle streams) across Generate, Denoise, Encode
/// and Decode.
/// </summary>
internal sealed class FuzzCaseGenerator(int seed, FuzzModelShape shape)
{
    /// <summary>The limits the field-level cases step over (the services' documented defaults).</summary>
    private const string PromptEmbeds = ConditioningNames.PromptEmbeds;
    private const int MaxPromptLength = 2000;
    private const int MaxPromptsPerRequest = 16;
    private const int MaxImageSide = 2048;
    private const int MaxLatentBatch = 8;
    private const int MaxConditionings = 4;
    private const int MaxConditioningTokens = 4 * 77;
    private const int MaxDecodeBatch = 8;
    private const int OversizedBytes = (1 << 20) + 4096;

    private static readonly string[] s_words = ["a", "red", "blue", "green", "circle", "square", "triangle", "left", "of", "two", "small", "large", "and"];

    private static readonly byte[][] s_invalidUtf8 =
    [
        [0xED, 0xA0, 0x80],        // a lone high surrogate, UTF-8 encoded
        [0xFF, 0xFE],              // bytes that never occur in UTF-8
        [0xC0, 0x80],              // an overlong encoding of NUL
        [0x61, 0xE2, 0x82],        // a sequence cut short
        [0x80],                    // a lone continuation byte
    ];

    private static readonly string[] s_generateMutations =
    [
        "valid", "valid", "valid", "truncated", "garbage", "bit-flip", "unknown-field", "invalid-utf8-prompt", "invalid-utf8-negative-prompt",
        "empty-prompt", "prompt-too-long", "negative-prompt-too-long", "width-negative", "width-not-multiple", "width-huge", "height-over-max",
        "steps-negative", "steps-huge", "guidance-nan", "guidance-inf", "guidance-negative", "alpha-nan", "alpha-huge", "mode-unknown",
        "mode-negative", "scheduler-unknown", "num-images-huge", "num-images-negative", "wrong-wire-type", "oversized",
    ];

    private static readonly string[] s_encodeMutations =
    [
        "valid", "valid", "truncated", "garbage", "bit-flip", "unknown-field", "invalid-utf8-prompt", "no-prompts", "too-many-prompts",
        "prompt-too-long", "dtype-unknown", "dtype-negative", "oversized",
    ];

    private static readonly string[] s_decodeMutations =
    [
        "valid", "valid", "truncated", "garbage", "bit-flip", "missing-latents", "dtype-unspecified", "dtype-unknown", "bytes-short",
        "bytes-long", "negative-dim", "huge-dims", "rank-3", "channels-wrong", "nan", "inf", "side-over-max", "batch-over-max", "zero-batch",
    ];

    private static readonly string[] s_denoiseMutations =
    [
        "valid", "valid", "valid", "open-only", "empty-stream", "step-before-open", "open-twice", "step-index-skipped", "step-index-repeated",
        "step-index-negative", "session-id-mismatch", "empty-session-id", "latent-missing", "latent-dtype-unspecified", "latent-dtype-unknown",
        "latent-bytes-short", "latent-rank-wrong", "latent-channels-wrong", "latent-side-over-max", "latent-batch-over-max", "latent-huge-dims",
        "latent-negative-dim", "latent-nan", "latent-inf", "indices-empty", "indices-negative", "indices-out-of-range", "indices-huge",
        "indices-repeated-many", "indices-repeated-twice", "timestep-nan", "timestep-negative", "timestep-inf", "conditionings-none",
        "conditionings-too-many", "tokens-too-many", "tokens-mismatch", "hidden-dim-wrong", "hidden-rank-wrong", "hidden-missing",
        "conditioning-nan", "conditioning-inf", "hidden-dtype-unspecified", "time-ids-wrong-count", "tensor-name-unknown", "tensor-name-malformed", "first-step-negative", "open-dtype-unknown",
        "idle-after-open", "idle-before-open", "idle-after-step", "garbage-open", "truncated-open", "bit-flip-open", "garbage-step",
        "truncated-step", "invalid-utf8-session-id",
    ];

    /// <summary>The case at <paramref name="index"/>.</summary>
    public FuzzCase Create(int index)
    {
        var rng = new Random(CaseSeed(seed, index));
        int pick = rng.Next(100);
        var target = pick switch
        {
            < 20 => FuzzTarget.SamplerGenerate,
            < 40 => FuzzTarget.GatewayGenerate,
            < 70 => FuzzTarget.Denoise,
            < 85 => FuzzTarget.Encode,
            _ => FuzzTarget.Decode,
        };
        return target switch
        {
            FuzzTarget.SamplerGenerate or FuzzTarget.GatewayGenerate => Generate(index, target, rng),
            FuzzTarget.Denoise => Denoise(index, rng),
            FuzzTarget.Encode => Encode(index, rng),
            _ => Decode(index, rng),
        };
    }

    /// <summary>The names of every mutation of <paramref name="target"/> (the report lists them all, hit or not).</summary>
    public static IReadOnlyList<string> Mutations(FuzzTarget target) => target switch
    {
        FuzzTarget.SamplerGenerate or FuzzTarget.GatewayGenerate => [.. s_generateMutations.Distinct()],
        FuzzTarget.Denoise => [.. s_denoiseMutations.Distinct()],
        FuzzTarget.Encode => [.. s_encodeMutations.Distinct()],
        _ => [.. s_decodeMutations.Distinct()],
    };

    // SplitMix64 of (seed, index): independent streams per case without System.HashCode's per-process randomisation.
    private static int CaseSeed(int seed, int index)
    {
        ulong z = ((ulong)(uint)seed << 32) ^ (uint)index;
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (int)((z ^ (z >> 31)) & 0x7FFFFFFF);
    }

    private FuzzCase Generate(int index, FuzzTarget target, Random rng)
    {
        string mutation = s_generateMutations[rng.Next(s_generateMutations.Length)];
        var request = new GenerateRequest
        {
            Prompt = Prompt(rng),
            Steps = rng.Next(1, 3),
            Seed = (ulong)rng.NextInt64(),
            Mode = (GuidanceMode)rng.Next(0, 4),
        };
        if (rng.Next(2) == 0)
        {
            request.NegativePrompt = Prompt(rng);
        }

        FuzzCase Field(Action<GenerateRequest> change)
        {
            change(request);
            return new FuzzCase(index, target, mutation, [request.ToByteArray()], FuzzExpectation.Invalid);
        }

        return mutation switch
        {
            "valid" => new FuzzCase(index, target, mutation, [request.ToByteArray()], FuzzExpectation.Valid),
            "invalid-utf8-prompt" => Raw(index, target, mutation, [.. ProtoBytes.LengthDelimited(1, InvalidUtf8(rng)), .. Without(request, r => r.Prompt = string.Empty)], FuzzExpectation.Invalid),
            "invalid-utf8-negative-prompt" => Raw(index, target, mutation, [.. request.ToByteArray(), .. ProtoBytes.LengthDelimited(2, InvalidUtf8(rng))], FuzzExpectation.Invalid),
            "empty-prompt" => Field(r => r.Prompt = string.Empty),
            "prompt-too-long" => Field(r => r.Prompt = new string('a', MaxPromptLength + 1 + rng.Next(100))),
            "negative-prompt-too-long" => Field(r => r.NegativePrompt = new string('b', MaxPromptLength + 1 + rng.Next(100))),
            "width-negative" => Field(r => r.Width = -rng.Next(1, 4096)),
            "width-not-multiple" => Field(r => r.Width = (shape.SpatialFactor * rng.Next(1, 8)) + rng.Next(1, Math.Max(2, shape.SpatialFactor))),
            "width-huge" => Field(r => r.Width = int.MaxValue - rng.Next(8)),
            "height-over-max" => Field(r => r.Height = MaxImageSide + (shape.SpatialFactor * rng.Next(1, 100))),
            "steps-negative" => Field(r => r.Steps = -rng.Next(1, int.MaxValue)),
            "steps-huge" => Field(r => r.Steps = 151 + rng.Next(int.MaxValue - 151)),
            "guidance-nan" => Field(r => r.GuidanceScale = float.NaN),
            "guidance-inf" => Field(r => r.GuidanceScale = rng.Next(2) == 0 ? float.PositiveInfinity : float.NegativeInfinity),
            "guidance-negative" => Field(r => r.GuidanceScale = -1f - (float)rng.NextDouble()),
            "alpha-nan" => Field(r => r.Alpha = float.NaN),
            "alpha-huge" => Field(r => r.Alpha = 3f + (float)rng.NextDouble() * 1e30f),
            "mode-unknown" => Field(r => r.Mode = (GuidanceMode)rng.Next(4, 1000)),
            "mode-negative" => Field(r => r.Mode = (GuidanceMode)(-rng.Next(1, 1000))),
            "scheduler-unknown" => Field(r => r.Scheduler = (SchedulerType)rng.Next(5, 1000)),
            "num-images-huge" => Field(r => r.NumImages = 5 + rng.Next(int.MaxValue - 5)),
            "num-images-negative" => Field(r => r.NumImages = -rng.Next(1, 1000)),
            // Field 1 (prompt) sent as a varint: a field of the wrong wire type is skipped, so the prompt is empty.
            "wrong-wire-type" => Raw(index, target, mutation, [.. ProtoBytes.Varint(1, (ulong)rng.Next()), .. Without(request, r => r.Prompt = string.Empty)], FuzzExpectation.Invalid),
            "oversized" => Raw(index, target, mutation, ProtoBytes.LengthDelimited(1, Encoding.ASCII.GetBytes(new string('x', OversizedBytes))), FuzzExpectation.Invalid),
            _ => Damaged(index, target, mutation, request.ToByteArray(), rng),
        };
    }

    private static FuzzCase Encode(int index, Random rng)
    {
        string mutation = s_encodeMutations[rng.Next(s_encodeMutations.Length)];
        var request = new EncodeRequest { Dtype = (DType)rng.Next(0, 4) };
        int prompts = rng.Next(1, 4);
        for (int i = 0; i < prompts; i++)
        {
            request.Prompts.Add(rng.Next(4) == 0 ? string.Empty : Prompt(rng));
        }

        FuzzCase Field(Action<EncodeRequest> change)
        {
            change(request);
            return new FuzzCase(index, FuzzTarget.Encode, mutation, [request.ToByteArray()], FuzzExpectation.Invalid);
        }

        return mutation switch
        {
            "valid" => new FuzzCase(index, FuzzTarget.Encode, mutation, [request.ToByteArray()], FuzzExpectation.Valid),
            "invalid-utf8-prompt" => Raw(index, FuzzTarget.Encode, mutation, [.. request.ToByteArray(), .. ProtoBytes.LengthDelimited(1, InvalidUtf8(rng))], FuzzExpectation.Invalid),
            "no-prompts" => Field(r => r.Prompts.Clear()),
            "too-many-prompts" => Field(r => r.Prompts.AddRange(Enumerable.Range(0, MaxPromptsPerRequest + 1).Select(_ => "a"))),
            "prompt-too-long" => Field(r => r.Prompts.Add(new string('c', MaxPromptLength + 1 + rng.Next(100)))),
            "dtype-unknown" => Field(r => r.Dtype = (DType)rng.Next(4, 1000)),
            "dtype-negative" => Field(r => r.Dtype = (DType)(-rng.Next(1, 1000))),
            "oversized" => Raw(index, FuzzTarget.Encode, mutation, ProtoBytes.LengthDelimited(1, Encoding.ASCII.GetBytes(new string('y', OversizedBytes))), FuzzExpectation.Invalid),
            _ => Damaged(index, FuzzTarget.Encode, mutation, request.ToByteArray(), rng),
        };
    }

    private FuzzCase Decode(int index, Random rng)
    {
        string mutation = s_decodeMutations[rng.Next(s_decodeMutations.Length)];
        int batch = rng.Next(1, 3);
        int c = shape.LatentChannels, s = shape.LatentSide;
        var dtype = (DType)rng.Next(1, 4);
        var request = new DecodeRequest { Latents = Tensor(rng, dtype, [batch, c, s, s]) };

        FuzzCase Invalid(Protos.V1.Tensor? latents)
        {
            var bad = new DecodeRequest();
            if (latents is not null)
            {
                bad.Latents = latents;
            }

            return new FuzzCase(index, FuzzTarget.Decode, mutation, [bad.ToByteArray()], FuzzExpectation.Invalid);
        }

        return mutation switch
        {
            "valid" => new FuzzCase(index, FuzzTarget.Decode, mutation, [request.ToByteArray()], FuzzExpectation.Valid),
            "missing-latents" => Invalid(null),
            "dtype-unspecified" => Invalid(Retyped(request.Latents, DType.Unspecified)),
            "dtype-unknown" => Invalid(Retyped(request.Latents, (DType)rng.Next(4, 1000))),
            "bytes-short" => Invalid(Resized(request.Latents, -1 - rng.Next(8))),
            "bytes-long" => Invalid(Resized(request.Latents, 1 + rng.Next(8))),
            "negative-dim" => Invalid(Tensor(rng, DType.Float32, [-batch, -c, s, s], elements: batch * c * s * s)),
            "huge-dims" => Invalid(new Protos.V1.Tensor { Dtype = DType.Float32, Shape = { 1L << 40, 1L << 40, c, s } }),
            "rank-3" => Invalid(Tensor(rng, DType.Float32, [c, s, s])),
            "channels-wrong" => Invalid(Tensor(rng, DType.Float32, [1, c + 1 + rng.Next(3), s, s])),
            "nan" => Invalid(Poisoned(rng, [batch, c, s, s], float.NaN)),
            "inf" => Invalid(Poisoned(rng, [batch, c, s, s], rng.Next(2) == 0 ? float.PositiveInfinity : float.NegativeInfinity)),
            "side-over-max" => Invalid(Tensor(rng, DType.Float32, [1, c, 1, (MaxImageSide / shape.SpatialFactor) + 1 + rng.Next(64)])),
            "batch-over-max" => Invalid(Tensor(rng, DType.Float32, [MaxDecodeBatch + 1 + rng.Next(4), c, s, s])),
            "zero-batch" => Invalid(Tensor(rng, DType.Float32, [0, c, s, s])),
            _ => Damaged(index, FuzzTarget.Decode, mutation, request.ToByteArray(), rng),
        };
    }

    private FuzzCase Denoise(int index, Random rng)
    {
        string mutation = s_denoiseMutations[rng.Next(s_denoiseMutations.Length)];
        string session = $"fuzz-{seed}-{index}";
        int conditionings = rng.Next(1, 3);
        int first = rng.Next(0, 4);
        var open = Open(rng, session, conditionings, first);
        var steps = Enumerable.Range(first, rng.Next(1, 4)).Select(k => Step(rng, session, k, conditionings)).ToList();

        byte[] OpenBytes(SessionOpen o) => new DenoiseRequest { Open = o }.ToByteArray();
        byte[] StepBytes(StepRequest st) => new DenoiseRequest { Step = st }.ToByteArray();
        FuzzCase Script(FuzzExpectation expectation, params byte[][] messages) => new(index, FuzzTarget.Denoise, mutation, messages, expectation);
        FuzzCase BadOpen(Action<SessionOpen> change)
        {
            change(open);
            return Script(FuzzExpectation.Invalid, OpenBytes(open), StepBytes(steps[0]));
        }

        FuzzCase BadStep(Action<StepRequest> change)
        {
            change(steps[0]);
            return Script(FuzzExpectation.Invalid, OpenBytes(open), StepBytes(steps[0]));
        }

        int c = shape.LatentChannels, s = shape.LatentSide;
        return mutation switch
        {
            "valid" => Script(FuzzExpectation.Valid, [OpenBytes(open), .. steps.Select(StepBytes)]),
            "open-only" => Script(FuzzExpectation.Valid, OpenBytes(open)),
            "empty-stream" => Script(FuzzExpectation.Valid),
            "step-before-open" => Script(FuzzExpectation.Invalid, StepBytes(steps[0])),
            "open-twice" => Script(FuzzExpectation.Invalid, OpenBytes(open), OpenBytes(open)),
            "step-index-skipped" => BadStep(st => st.StepIndex = first + 1 + rng.Next(1000)),
            "step-index-repeated" => Script(FuzzExpectation.Invalid, OpenBytes(open), StepBytes(steps[0]), StepBytes(steps[0])),
            "step-index-negative" => BadStep(st => st.StepIndex = -rng.Next(1, int.MaxValue)),
            "session-id-mismatch" => BadStep(st => st.SessionId = session + "-other"),
            "empty-session-id" => BadOpen(o => o.SessionId = string.Empty),
            "latent-missing" => BadStep(st => st.Latent = null),
            "latent-dtype-unspecified" => BadStep(st => st.Latent = Retyped(st.Latent, DType.Unspecified)),
            "latent-dtype-unknown" => BadStep(st => st.Latent = Retyped(st.Latent, (DType)rng.Next(4, 1000))),
            "latent-bytes-short" => BadStep(st => st.Latent = Resized(st.Latent, -1 - rng.Next(8))),
            "latent-rank-wrong" => BadStep(st => st.Latent = Tensor(rng, DType.Float32, [c, s, s])),
            "latent-channels-wrong" => BadStep(st => st.Latent = Tensor(rng, DType.Float32, [1, c + 1 + rng.Next(3), s, s])),
            "latent-side-over-max" => BadStep(st => st.Latent = Tensor(rng, DType.Float32, [1, c, 1, (MaxImageSide / shape.SpatialFactor) + 1 + rng.Next(64)])),
            "latent-batch-over-max" => BadStep(st => st.Latent = Tensor(rng, DType.Float32, [MaxLatentBatch + 1 + rng.Next(4), c, s, s])),
            "latent-huge-dims" => BadStep(st => st.Latent = new Protos.V1.Tensor { Dtype = DType.Float32, Shape = { 1, c, 1L << 31, 1L << 31 } }),
            "latent-negative-dim" => BadStep(st => st.Latent = Tensor(rng, DType.Float32, [-1, -c, s, s], elements: c * s * s)),
            "latent-nan" => BadStep(st => st.Latent = Poisoned(rng, [1, c, s, s], float.NaN)),
            "latent-inf" => BadStep(st => st.Latent = Poisoned(rng, [1, c, s, s], float.NegativeInfinity)),
            "indices-empty" => BadStep(st => st.ConditioningIndices.Clear()),
            "indices-negative" => BadStep(st => st.ConditioningIndices.Add(-rng.Next(1, int.MaxValue))),
            "indices-out-of-range" => BadStep(st => st.ConditioningIndices.Add(conditionings + rng.Next(10))),
            "indices-huge" => BadStep(st => st.ConditioningIndices.Add(int.MaxValue)),
            "indices-repeated-many" => BadStep(st => st.ConditioningIndices.AddRange(Enumerable.Repeat(0, 40 + rng.Next(2000)))),
            "indices-repeated-twice" => Script(FuzzExpectation.Valid, OpenBytes(open), StepBytes(WithIndices(steps[0], [0, 0]))),
            "timestep-nan" => BadStep(st => st.Timestep = float.NaN),
            "timestep-negative" => BadStep(st => st.Timestep = -1f - (float)rng.NextDouble() * 1000f),
            "timestep-inf" => BadStep(st => st.Timestep = float.PositiveInfinity),
            "conditionings-none" => BadOpen(o => o.Conditionings.Clear()),
            "conditionings-too-many" => BadOpen(o => o.Conditionings.AddRange(Enumerable.Range(0, MaxConditionings + 1).Select(_ => Conditioning(rng, shape.Tokens)))),
            "tokens-too-many" => BadOpen(o => o.Conditionings[0] = Conditioning(rng, MaxConditioningTokens + 1 + rng.Next(100))),
            "tokens-mismatch" => BadOpen(o => o.Conditionings.Add(Conditioning(rng, shape.Tokens + 1 + rng.Next(10)))),
            "hidden-dim-wrong" => BadOpen(o => o.Conditionings[0].Tensors[PromptEmbeds] = Tensor(rng, DType.Float32, [shape.Tokens, shape.HiddenSize + 1 + rng.Next(8)])),
            "hidden-rank-wrong" => BadOpen(o => o.Conditionings[0].Tensors[PromptEmbeds] = Tensor(rng, DType.Float32, [1, shape.Tokens, shape.HiddenSize])),
            "hidden-missing" => BadOpen(o => o.Conditionings[0].Tensors.Remove(PromptEmbeds)),
            "conditioning-nan" => BadOpen(o => o.Conditionings[0].Tensors[PromptEmbeds] = Poisoned(rng, [shape.Tokens, shape.HiddenSize], float.NaN)),
            "conditioning-inf" => BadOpen(o => o.Conditionings[^1].Tensors[PromptEmbeds] = Poisoned(rng, [shape.Tokens, shape.HiddenSize], float.PositiveInfinity)),
            "hidden-dtype-unspecified" => BadOpen(o => o.Conditionings[0].Tensors[PromptEmbeds] = Retyped(o.Conditionings[0].Tensors[PromptEmbeds], DType.Unspecified)),
            "time-ids-wrong-count" => BadOpen(o => o.Conditionings[0].Tensors[ConditioningNames.TimeIds] = Tensor(rng, DType.Float32, [shape.TimeIds + 1 + rng.Next(3)])),
            "tensor-name-unknown" => BadOpen(o => o.Conditionings[0].Tensors["unknown_" + rng.Next(1000)] = Tensor(rng, DType.Float32, [1 + rng.Next(8)])),
            "tensor-name-malformed" => BadOpen(o => o.Conditionings[0].Tensors[rng.Next(2) == 0 ? "Prompt Embeds" : new string('a', 65 + rng.Next(100))] = Tensor(rng, DType.Float32, [1])),
            "first-step-negative" => BadOpen(o => o.FirstStepIndex = -rng.Next(1, int.MaxValue)),
            "open-dtype-unknown" => BadOpen(o => o.Dtype = (DType)rng.Next(4, 1000)),
            "idle-after-open" => Script(FuzzExpectation.Idle, OpenBytes(open)),
            "idle-before-open" => Script(FuzzExpectation.Idle),
            "idle-after-step" => Script(FuzzExpectation.Idle, OpenBytes(open), StepBytes(steps[0])),
            "garbage-open" => Script(FuzzExpectation.MaybeValid, Garbage(rng)),
            "truncated-open" => Script(FuzzExpectation.MaybeValid, Truncated(OpenBytes(open), rng)),
            "bit-flip-open" => Script(FuzzExpectation.MaybeValid, BitFlipped(OpenBytes(open), rng), StepBytes(steps[0])),
            "garbage-step" => Script(FuzzExpectation.MaybeValid, OpenBytes(open), Garbage(rng)),
            "truncated-step" => Script(FuzzExpectation.MaybeValid, OpenBytes(open), Truncated(StepBytes(steps[0]), rng)),
            "invalid-utf8-session-id" => Script(FuzzExpectation.Invalid, ProtoBytes.LengthDelimited(1, ProtoBytes.LengthDelimited(1, InvalidUtf8(rng)))),
            _ => throw new InvalidOperationException($"no case for the denoise mutation '{mutation}'"),
        };
    }

    private SessionOpen Open(Random rng, string session, int conditionings, int firstStep)
    {
        var open = new SessionOpen { SessionId = session, Dtype = (DType)rng.Next(0, 4), FirstStepIndex = firstStep };
        for (int i = 0; i < conditionings; i++)
        {
            open.Conditionings.Add(Conditioning(rng, shape.Tokens));
        }

        return open;
    }

    private Conditioning Conditioning(Random rng, int tokens)
    {
        var conditioning = new Conditioning { Tensors = { [PromptEmbeds] = Tensor(rng, DType.Float32, [tokens, shape.HiddenSize]) } };
        if (shape.PooledSize > 0)
        {
            conditioning.Tensors[ConditioningNames.PooledPromptEmbeds] = Tensor(rng, DType.Float32, [shape.PooledSize]);
        }

        if (shape.TimeIds > 0)
        {
            conditioning.Tensors[ConditioningNames.TimeIds] = Tensor(rng, DType.Float32, [shape.TimeIds]);
        }

        return conditioning;
    }

    private StepRequest Step(Random rng, string session, int stepIndex, int conditionings)
    {
        var step = new StepRequest
        {
            SessionId = session,
            StepIndex = stepIndex,
            Timestep = (float)(rng.NextDouble() * 999),
            Latent = Tensor(rng, rng.Next(3) == 0 ? DType.Float16 : DType.Float32, [rng.Next(1, 3), shape.LatentChannels, shape.LatentSide, shape.LatentSide]),
        };
        step.ConditioningIndices.Add(rng.Next(conditionings));
        if (conditionings > 1 && rng.Next(2) == 0)
        {
            step.ConditioningIndices.Add(rng.Next(conditionings));
        }

        return step;
    }

    private static StepRequest WithIndices(StepRequest step, int[] indices)
    {
        var copy = step.Clone();
        copy.ConditioningIndices.Clear();
        copy.ConditioningIndices.AddRange(indices);
        return copy;
    }

    private static string Prompt(Random rng) => string.Join(' ', Enumerable.Range(0, rng.Next(1, 8)).Select(_ => s_words[rng.Next(s_words.Length)]));

    private static byte[] InvalidUtf8(Random rng) => [.. Encoding.ASCII.GetBytes("a "), .. s_invalidUtf8[rng.Next(s_invalidUtf8.Length)], .. Encoding.ASCII.GetBytes(" b")];

    /// <summary>A tensor of <paramref name="dims"/> with matching random bytes (or <paramref name="elements"/> of them).</summary>
    private static Protos.V1.Tensor Tensor(Random rng, DType dtype, long[] dims, long? elements = null)
    {
        long count = elements ?? dims.Aggregate(1L, (a, b) => a * b);
        int size = dtype == DType.Float32 ? 4 : 2;
        var data = new byte[Math.Max(0, count) * size];
        for (int i = 0; i + size <= data.Length; i += size)
        {
            float value = (float)((rng.NextDouble() * 2) - 1);
            if (size == 4)
            {
                BitConverter.TryWriteBytes(data.AsSpan(i), value);
            }
            else if (dtype == DType.Float16)
            {
                BitConverter.TryWriteBytes(data.AsSpan(i), (Half)value);
            }
            else
            {
                BitConverter.TryWriteBytes(data.AsSpan(i), (ushort)(BitConverter.SingleToUInt32Bits(value) >> 16));
            }
        }

        var tensor = new Protos.V1.Tensor { Dtype = dtype, Data = ByteString.CopyFrom(data) };
        tensor.Shape.AddRange(dims);
        return tensor;
    }

    /// <summary>A valid fp32 tensor with one element (at a random place) replaced by <paramref name="poison"/>.</summary>
    private static Protos.V1.Tensor Poisoned(Random rng, long[] dims, float poison)
    {
        var tensor = Tensor(rng, DType.Float32, dims);
        var data = tensor.Data.ToByteArray();
        BitConverter.TryWriteBytes(data.AsSpan(rng.Next(data.Length / 4) * 4), poison);
        tensor.Data = ByteString.CopyFrom(data);
        return tensor;
    }

    private static Protos.V1.Tensor Retyped(Protos.V1.Tensor tensor, DType dtype)
    {
        var copy = tensor.Clone();
        copy.Dtype = dtype;
        return copy;
    }

    private static Protos.V1.Tensor Resized(Protos.V1.Tensor tensor, int delta)
    {
        var copy = tensor.Clone();
        var data = tensor.Data.ToByteArray();
        copy.Data = ByteString.CopyFrom(delta < 0 ? data[..Math.Max(0, data.Length + delta)] : [.. data, .. new byte[delta]]);
        return copy;
    }

    private static byte[] Without(GenerateRequest request, Action<GenerateRequest> change)
    {
        var copy = request.Clone();
        change(copy);
        return copy.ToByteArray();
    }

    private static FuzzCase Raw(int index, FuzzTarget target, string mutation, byte[] bytes, FuzzExpectation expectation) => new(index, target, mutation, [bytes], expectation);

    /// <summary>The byte-level mutations shared by every message kind; any of them may leave a valid message.</summary>
    private static FuzzCase Damaged(int index, FuzzTarget target, string mutation, byte[] valid, Random rng) => mutation switch
    {
        "truncated" => Raw(index, target, mutation, Truncated(valid, rng), FuzzExpectation.MaybeValid),
        "garbage" => Raw(index, target, mutation, Garbage(rng), FuzzExpectation.MaybeValid),
        "bit-flip" => Raw(index, target, mutation, BitFlipped(valid, rng), FuzzExpectation.MaybeValid),
        // An unknown field number is skipped by every protobuf reader: still the valid message.
        "unknown-field" => Raw(index, target, mutation, [.. valid, .. ProtoBytes.Varint(1000 + rng.Next(1000), (ulong)rng.NextInt64())], FuzzExpectation.MaybeValid),
        _ => throw new InvalidOperationException($"no case for the mutation '{mutation}'"),
    };

    private static byte[] Truncated(byte[] valid, Random rng) => valid.Length <= 1 ? [] : valid[..rng.Next(1, valid.Length)];

    private static byte[] Garbage(Random rng)
    {
        var bytes = new byte[rng.Next(1, 96)];
        rng.NextBytes(bytes);
        return bytes;
    }

    private static byte[] BitFlipped(byte[] valid, Random rng)
    {
        var bytes = (byte[])valid.Clone();
        for (int i = 0, flips = rng.Next(1, 5); i < flips && bytes.Length > 0; i++)
        {
            bytes[rng.Next(bytes.Length)] ^= (byte)(1 << rng.Next(8));
        }

        return bytes;
    }
}
