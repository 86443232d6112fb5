using System.Reflection;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Microsoft.AspNetCore.Routing;

namespace Chats.ServiceDefaults;

/// <summary>
/// Receives a generated service's methods from its <c>BindService</c> and adds them to the endpoint context with
/// validating request marshallers; the handlers are the service class's overrides, called on each request's instance.
/// </summary>
internal sealed class ValidatingServiceBinder<TService>(ServiceMethodProviderContext<TService> context, Type declaringType) : ServiceBinderBase
    where TService : class
{
    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
    {
        var (invoker, metadata) = Bind<UnaryServerMethod<TService, TRequest, TResponse>>(method.Name, typeof(TRequest), typeof(ServerCallContext));
        context.AddUnaryMethod(RequestMarshallers.Validating(method), metadata, invoker);
    }

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
    {
        var (invoker, metadata) = Bind<ServerStreamingServerMethod<TService, TRequest, TResponse>>(
            method.Name, typeof(TRequest), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext));
        context.AddServerStreamingMethod(RequestMarshallers.Validating(method), metadata, invoker);
    }

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler)
    {
        var (invoker, metadata) = Bind<ClientStreamingServerMethod<TService, TRequest, TResponse>>(
            method.Name, typeof(IAsyncStreamReader<TRequest>), typeof(ServerCallContext));
        context.AddClientStreamingMethod(RequestMarshallers.Validating(method), metadata, invoker);
    }

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler)
    {
        var (invoker, metadata) = Bind<DuplexStreamingServerMethod<TService, TRequest, TResponse>>(
            method.Name, typeof(IAsyncStreamReader<TRequest>), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext));
        context.AddDuplexStreamingMethod(RequestMarshallers.Validating(method), metadata, invoker);
    }

    private (TDelegate Invoker, List<object> Metadata) Bind<TDelegate>(string name, params Type[] parameters)
        where TDelegate : Delegate
    {
        var handler = FindOverride(name, parameters)
            ?? throw new InvalidOperationException($"{typeof(TService).FullName} has no override of {declaringType.Name}.{name}");
        var metadata = new List<object>();
        // Attributes of the class first and of the method last, so the method's win (as grpc-dotnet orders them).
        metadata.AddRange(typeof(TService).GetCustomAttributes(inherit: true));
        metadata.AddRange(handler.GetCustomAttributes(inherit: true));
        metadata.Add(new HttpMethodMetadata(["POST"], acceptCorsPreflight: true));
        return ((TDelegate)Delegate.CreateDelegate(typeof(TDelegate), handler), metadata);
    }

    // The public instance method that overrides the generated base's virtual one (a method that merely hides it by
    // name is skipped); an unimplemented method binds the base's, which answers UNIMPLEMENTED.
    private MethodInfo? FindOverride(string name, Type[] parameters)
    {
        for (Type? type = typeof(TService); type is not null; type = type.BaseType)
        {
            var method = type.GetMethod(name, BindingFlags.Public | BindingFlags.Instance, binder: null, parameters, modifiers: null);
            if (method is null)
            {
                return null;
            }

            if (method.IsVirtual && method.GetBaseDefinition().DeclaringType == declaringType)
            {
                return method;
            }
        }

        return null;
    }
}
