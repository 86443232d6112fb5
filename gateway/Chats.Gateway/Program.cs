using Chats.Gateway;
using Chats.ServiceDefaults;

return await ConfigurationErrors.RunAsync(() => GatewayHost.Build(args));
