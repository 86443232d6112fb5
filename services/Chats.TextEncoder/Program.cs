using Chats.TextEncoder;
using Chats.ServiceDefaults;

return await ConfigurationErrors.RunAsync(() => TextEncoderServiceHost.Build(args));
