using Chats.Sampler;

await SamplerServiceHost.Build(args).RunAsync();
