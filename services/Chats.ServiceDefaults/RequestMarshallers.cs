using System.Reflection;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;

namespace Chats.ServiceDefaults;

/// <summary>
/// Request marshallers that answer undecodable bytes (a truncated message, invalid UTF-8 in a string field) with
/// INVALID_ARGUMENT instead of grpc-dotnet's UNKNOWN "Exception was thrown by handler.", and count the call.
/// </summary>
internal static class RequestMarshallers
{
    /// <summary><paramref name="method"/> with its request deserializer wrapped.</summary>
    public static Method<TRequest, TResponse> Validating<TRequest, TResponse>(Method<TRequest, TResponse> method)
        where TRequest : class
        where TResponse : class
    {
        var inner = method.RequestMarshaller;
        string messageName = MessageName(typeof(TRequest));
        // Unary and server-streaming requests are read before any interceptor runs, so the status interceptor never
        // sees their failure; streamed requests are read inside the handler, where the interceptor counts them.
        bool countHere = method.Type is MethodType.Unary or MethodType.ServerStreaming;
        var marshaller = new Marshaller<TRequest>(inner.ContextualSerializer, context =>
        {
            try
            {
                return inner.ContextualDeserializer(context);
            }
            catch (Exception ex) when (ex is InvalidProtocolBufferException or DecoderFallbackException or ArgumentException)
            {
                if (countHere)
                {
                    ChatsMetrics.CountGrpcCall(method.ServiceName, method.Name, StatusCode.InvalidArgument);
                }

                throw new RpcException(new Status(StatusCode.InvalidArgument, $"the request is not a valid {messageName} message: {ex.Message}"));
            }
        });
        return new Method<TRequest, TResponse>(method.Type, method.ServiceName, method.Name, marshaller, method.ResponseMarshaller);
    }

    private static string MessageName(Type type)
        => type.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) is MessageDescriptor descriptor
            ? descriptor.FullName
            : type.Name;
}
