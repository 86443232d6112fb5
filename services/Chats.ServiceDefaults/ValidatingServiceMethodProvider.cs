using System.Reflection;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace Chats.ServiceDefaults;

/// <summary>
/// Discovers a generated service's methods like grpc-dotnet's own binder (the <see cref="BindServiceMethodAttribute"/>
/// of the generated base class) but binds each with a request marshaller that turns undecodable bytes into
/// INVALID_ARGUMENT (see <see cref="RequestMarshallers"/>). It replaces grpc-dotnet's binder for every service.
/// </summary>
internal sealed class ValidatingServiceMethodProvider<TService> : IServiceMethodProvider<TService>
    where TService : class
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TService> context)
    {
        for (Type? type = typeof(TService); type is not null; type = type.BaseType)
        {
            var bind = type.GetCustomAttribute<BindServiceMethodAttribute>(inherit: false);
            if (bind is null)
            {
                continue;
            }

            var bindMethod = bind.BindType.GetMethod(
                bind.BindMethodName, BindingFlags.Public | BindingFlags.Static, binder: null, [typeof(ServiceBinderBase), type], modifiers: null)
                ?? throw new InvalidOperationException($"{bind.BindType.FullName}.{bind.BindMethodName}(ServiceBinderBase, {type.Name}) not found while binding {typeof(TService).Name}");
            // The generated BindService only reads the method descriptors when the implementation is null.
            bindMethod.Invoke(null, [new ValidatingServiceBinder<TService>(context, type), null]);
            return;
        }
    }
}
