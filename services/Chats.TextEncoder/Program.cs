using Chats.TextEncoder;

await TextEncoderServiceHost.Build(args).RunAsync();
