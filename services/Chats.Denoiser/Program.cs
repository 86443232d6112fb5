using Chats.Denoiser;

await DenoiserServiceHost.Build(args).RunAsync();
