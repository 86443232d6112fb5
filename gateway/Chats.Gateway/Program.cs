using Chats.Gateway;

await GatewayHost.Build(args).RunAsync();
