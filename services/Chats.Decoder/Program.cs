using Chats.Decoder;
using Chats.ServiceDefaults;

return await ConfigurationErrors.RunAsync(() => DecoderServiceHost.Build(args));
