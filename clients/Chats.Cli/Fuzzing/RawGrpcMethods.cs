using Grpc.Core;

namespace Chats.Cli.Fuzzing;

/// <summary>
/// The chats.v1 methods with byte-array marshallers: the request bytes go on the wire exactly as given (malformed ones
/// included), framed by gRPC as any message; responses come back undecoded.
/// </summary>
internal static class RawGrpcMethods
{
    private static readonly Marshaller<byte[]> s_bytes = Marshallers.Create(bytes => bytes, bytes => bytes);

    /// <summary><c>chats.v1.Sampler/Generate</c> (server streaming).</summary>
    public static Method<byte[], byte[]> Generate { get; } = new(MethodType.ServerStreaming, "chats.v1.Sampler", "Generate", s_bytes, s_bytes);

    /// <summary><c>chats.v1.TextEncoder/Encode</c> (unary).</summary>
    public static Method<byte[], byte[]> Encode { get; } = new(MethodType.Unary, "chats.v1.TextEncoder", "Encode", s_bytes, s_bytes);

    /// <summary><c>chats.v1.Decoder/Decode</c> (unary).</summary>
    public static Method<byte[], byte[]> Decode { get; } = new(MethodType.Unary, "chats.v1.Decoder", "Decode", s_bytes, s_bytes);

    /// <summary><c>chats.v1.Denoiser/Denoise</c> (bidirectional streaming).</summary>
    public static Method<byte[], byte[]> Denoise { get; } = new(MethodType.DuplexStreaming, "chats.v1.Denoiser", "Denoise", s_bytes, s_bytes);
}
