using Chats.Denoiser;
using Chats.ServiceDefaults;

return await ConfigurationErrors.RunAsync(() => DenoiserServiceHost.Build(args));
