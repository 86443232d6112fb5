using Chats.Client;
using Chats.Protos.V1;
using Grpc.Net.ClientFactory;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers <see cref="IChatsClient"/> over Grpc.Net.ClientFactory.</summary>
public static class ChatsClientServiceCollectionExtensions
{
    /// <summary>The name of the gRPC client (and its HttpClient) that <c>AddChatsClient</c> registers.</summary>
    public const string ClientName = "Chats.Client";

    /// <summary>
    /// Registers <see cref="IChatsClient"/> (transient, over one shared channel per handler lifetime) configured by
    /// <paramref name="configure"/>; <see cref="ChatsClientOptions.Address"/> is required. The options are validated
    /// when the first client is made (and at host start-up).
    /// </summary>
    /// <returns>The client's HttpClient builder, to add handlers (<c>AddHttpMessageHandler</c>), interceptors or channel settings.</returns>
    public static IHttpClientBuilder AddChatsClient(this IServiceCollection services, Action<ChatsClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<ChatsClientOptions>().Configure(configure);
        return AddChatsClientCore(services);
    }

    /// <summary>
    /// Registers <see cref="IChatsClient"/> with options bound from <paramref name="configuration"/> (a section such as
    /// <c>Chats</c>: <c>Address</c>, <c>ClientKey</c>, <c>ApiKey</c>, <c>Timeout</c>, <c>MaxReceiveMessageSize</c>,
    /// <c>Retry:MaxAttempts</c>, <c>Retry:InitialBackoff</c>, <c>Retry:MaxBackoff</c>, <c>Retry:BackoffMultiplier</c>,
    /// <c>Retry:RetryableStatusCodes</c>).
    /// </summary>
    /// <returns>The client's HttpClient builder, to add handlers (<c>AddHttpMessageHandler</c>), interceptors or channel settings.</returns>
    public static IHttpClientBuilder AddChatsClient(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<ChatsClientOptions>().Bind(configuration);
        return AddChatsClientCore(services);
    }

    private static IHttpClientBuilder AddChatsClientCore(IServiceCollection services)
    {
        services.AddOptions<ChatsClientOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ChatsClientOptions>, ChatsClientOptionsValidator>());
        services.AddTransient<IChatsClient>(provider =>
        {
            var options = provider.GetRequiredService<IOptions<ChatsClientOptions>>().Value;
            var sampler = provider.GetRequiredService<GrpcClientFactory>().CreateClient<Sampler.SamplerClient>(ClientName);
            return new ChatsClient(sampler, options);
        });
        return services
            .AddGrpcClient<Sampler.SamplerClient>(ClientName, (provider, factory) =>
                factory.Address = provider.GetRequiredService<IOptions<ChatsClientOptions>>().Value.Address)
            .ConfigureChannel((provider, channel) => provider.GetRequiredService<IOptions<ChatsClientOptions>>().Value.ApplyTo(channel));
    }
}
