using Chats.Inference.Roles;
using Chats.Inference.Local;
using Chats.ServiceDefaults;
using Chats.TextEncoder.Caching;
using Microsoft.Extensions.Options;

namespace Chats.TextEncoder;

/// <summary>The one place the text-encoder service is wired together.</summary>
public static class TextEncoderServiceHost
{
    /// <summary>Builds the service; <paramref name="overrides"/> are configuration values applied last (tests, the local launcher).</summary>
    public static WebApplication Build(string[] args, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var builder = ChatsServiceHost.CreateBuilder(args, overrides);
        builder.ReportHealthAs(Protos.V1.TextEncoder.Descriptor.FullName);
        builder.AddValidatedOptions<TextEncoderOptions>(TextEncoderOptions.Section);
        builder.AddValidatedOptions<EmbeddingCacheOptions>(EmbeddingCacheOptions.Section);
        builder.Services.AddSingleton<IEmbeddingCache>(sp =>
        {
            var cache = sp.GetRequiredService<IOptions<EmbeddingCacheOptions>>();
            return string.IsNullOrWhiteSpace(cache.Value.Redis)
                ? new InMemoryEmbeddingCache(cache)
                : ActivatorUtilities.CreateInstance<RedisEmbeddingCache>(sp, sp.GetService<TimeProvider>() ?? TimeProvider.System);
        });
        builder.Services.AddSingleton<ITextConditioningModel>(sp =>
        {
            var o = sp.GetRequiredService<IOptions<TextEncoderOptions>>().Value;
            return TextConditioningModels.Load(o.ModelPath, o.ModelId, o.Placement(), o.Threads);
        });
        builder.Services.AddSingleton<CachingPromptEncoder>();

        var app = builder.Build();
        app.MapChatsServiceDefaults();
        app.MapGrpcService<TextEncoderService>();

        // Load weights before accepting traffic: a bad model folder fails start-up, not a request.
        app.LoadBeforeStart<ITextConditioningModel>();
        // Creating the cache starts connecting to Redis (in the background), so the first request finds it connected.
        app.LoadBeforeStart<IEmbeddingCache>();
        return app;
    }
}
