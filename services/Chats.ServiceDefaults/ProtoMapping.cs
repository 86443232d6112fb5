using Chats.Core.Sampling;
using Chats.Core.Tensors;
using Chats.Protos.V1;
using Google.Protobuf;

namespace Chats.ServiceDefaults;

/// <summary>Maps between chats.v1 messages and Core types at the service edge, without copying tensor bytes.</summary>
public static class ProtoMapping
{
    /// <summary>
    /// A proto tensor as a Core wire tensor (validated; the message names <paramref name="field"/>). A tensor must name
    /// its dtype: unlike the <c>dtype</c> of a request, which asks for a wire format and documents "unspecified =
    /// float32", a tensor's dtype describes bytes already sent, and guessing it would read fp16 data as fp32.
    /// </summary>
    public static WireTensor ToWire(this Protos.V1.Tensor tensor, string field)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var dtype = tensor.Dtype switch
        {
            DType.Float32 => WireDType.Float32,
            DType.Float16 => WireDType.Float16,
            DType.Bfloat16 => WireDType.BFloat16,
            DType.Unspecified => throw new InvalidTensorException($"{field}.dtype", "is DTYPE_UNSPECIFIED; a tensor must name the dtype of its data (DTYPE_FLOAT32, DTYPE_FLOAT16 or DTYPE_BFLOAT16)"),
            _ => throw new InvalidTensorException($"{field}.dtype", $"unknown dtype {(int)tensor.Dtype}"),
        };
        var wire = new WireTensor(dtype, [.. tensor.Shape], tensor.Data.Memory);
        wire.Validate(field);
        return wire;
    }

    /// <summary>A Core wire tensor as a proto tensor; the bytes are wrapped, not copied.</summary>
    public static Protos.V1.Tensor ToProto(this WireTensor wire)
    {
        ArgumentNullException.ThrowIfNull(wire);
        var tensor = new Protos.V1.Tensor
        {
            Dtype = ToProto(wire.DType),
            Data = UnsafeByteOperations.UnsafeWrap(wire.Data),
        };
        tensor.Shape.AddRange(wire.Shape);
        return tensor;
    }

    /// <summary>Core dtype to proto dtype.</summary>
    public static DType ToProto(this WireDType dtype) => dtype switch
    {
        WireDType.Float32 => DType.Float32,
        WireDType.Float16 => DType.Float16,
        WireDType.BFloat16 => DType.Bfloat16,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown wire dtype"),
    };

    /// <summary>Proto dtype (unspecified = fp32) to Core dtype; unknown values name <paramref name="field"/>.</summary>
    public static WireDType ToCore(this DType dtype, string field) => dtype switch
    {
        DType.Unspecified or DType.Float32 => WireDType.Float32,
        DType.Float16 => WireDType.Float16,
        DType.Bfloat16 => WireDType.BFloat16,
        _ => throw new RequestValidationException(field, $"unknown dtype {(int)dtype}"),
    };

    /// <summary>A host tensor as a proto tensor in <paramref name="dtype"/>.</summary>
    public static Protos.V1.Tensor ToProto(this HostTensor tensor, WireDType dtype = WireDType.Float32)
        => WireTensorCodec.Encode(tensor, dtype).ToProto();

    /// <summary>A proto tensor decoded to fp32.</summary>
    public static HostTensor ToHost(this Protos.V1.Tensor tensor, string field)
        => WireTensorCodec.Decode(tensor.ToWire(field), field);

    /// <summary>
    /// A conditioning message as a Core conditioning. Names are checked here (present, well-formed, the required
    /// <c>prompt_embeds</c>); which names a model needs is the model's check.
    /// </summary>
    public static PromptConditioning ToCore(this Conditioning conditioning, string field)
    {
        ArgumentNullException.ThrowIfNull(conditioning);
        if (!conditioning.Tensors.ContainsKey(ConditioningNames.PromptEmbeds))
        {
            throw new RequestValidationException($"{field}.tensors[{ConditioningNames.PromptEmbeds}]", "is required");
        }

        var tensors = new Dictionary<string, HostTensor>(StringComparer.Ordinal);
        foreach (var (name, tensor) in conditioning.Tensors)
        {
            if (name.Length is 0 or > MaxConditioningNameLength || !name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
            {
                throw new RequestValidationException($"{field}.tensors", $"name '{Truncate(name)}' must be 1–{MaxConditioningNameLength} characters of a–z, 0–9 and _");
            }

            if (tensor is null)
            {
                throw new RequestValidationException($"{field}.tensors[{name}]", "is required");
            }

            tensors[name] = tensor.ToHost($"{field}.tensors[{name}]");
        }

        return new PromptConditioning(tensors);
    }

    /// <summary>A Core conditioning as a message in <paramref name="dtype"/>, every named tensor in name order.</summary>
    public static Conditioning ToProto(this PromptConditioning conditioning, WireDType dtype = WireDType.Float32, bool cacheHit = false)
    {
        ArgumentNullException.ThrowIfNull(conditioning);
        var message = new Conditioning { CacheHit = cacheHit };
        foreach (var (name, tensor) in conditioning.Tensors)
        {
            message.Tensors.Add(name, tensor.ToProto(dtype));
        }

        return message;
    }

    private const int MaxConditioningNameLength = 64;

    private static string Truncate(string name) => name.Length <= MaxConditioningNameLength ? name : name[..MaxConditioningNameLength] + "…";
}
