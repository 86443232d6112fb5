using Chats.Sampler;
using Chats.ServiceDefaults;

return await ConfigurationErrors.RunAsync(() => SamplerServiceHost.Build(args));
