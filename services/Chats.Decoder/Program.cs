using Chats.Decoder;

await DecoderServiceHost.Build(args).RunAsync();
