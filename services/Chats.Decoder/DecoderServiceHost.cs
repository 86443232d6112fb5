using Chats.Inference.Roles;
using Chats.Inference.Local;
using Chats.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Chats.Decoder;

/// <summary>The one place the decoder service is wired together.</summary>
public static class DecoderServiceHost
{
    /// <summary>Builds the service; <paramref name="overrides"/> are configuration values applied last.</summary>
    public static WebApplication Build(string[] args, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var builder = ChatsServiceHost.CreateBuilder(args, overrides);
        builder.ReportHealthAs(Protos.V1.Decoder.Descriptor.FullName);
        builder.AddValidatedOptions<DecoderOptions>(DecoderOptions.Section);
        builder.DefaultReceiveLimit(sp => DecoderReceiveLimit.Bytes(sp.GetRequiredService<IImageDecoderModel>(), sp.GetRequiredService<IOptions<DecoderOptions>>().Value));
        builder.Services.AddSingleton<IImageDecoderModel>(sp =>
        {
            var o = sp.GetRequiredService<IOptions<DecoderOptions>>().Value;
            return VaeImageDecoderModel.Load(o.ModelPath, o.ModelId, o.Placement(), o.Threads);
        });

        var app = builder.Build();
        app.MapChatsServiceDefaults();
        app.MapGrpcService<DecoderService>();
        // Load weights before accepting traffic: a bad model folder fails start-up, not a request.
        app.LoadBeforeStart<IImageDecoderModel>();
        return app;
    }
}
