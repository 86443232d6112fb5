using Chats.Client;
using Chats.Protos.V1;
using Grpc.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// Settings come from appsettings.json, then the environment (Chats__Address=...), then the command line
// (--Chats:Address http://host:5000 --Chats:ApiKey KEY --Prompt "a red circle" --Out image.png).
var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddChatsClient(builder.Configuration.GetSection("Chats"));
using var host = builder.Build();

string prompt = builder.Configuration["Prompt"] ?? "a red circle above a blue square";
string output = builder.Configuration["Out"] ?? "chats-sample.png";
var client = host.Services.GetRequiredService<IChatsClient>();
var progress = new Progress<GenerationProgress>(p => Console.Error.Write($"\rstep {p.Step}/{p.TotalSteps}"));
try
{
    var result = await client.GenerateAsync(prompt, new GenerationOptions { Seed = 7 }, progress);
    Console.Error.WriteLine();
    var image = result.Images[0];
    await File.WriteAllBytesAsync(output, image.Png.ToByteArray());
    Console.WriteLine($"arm {result.Arm}, mode {result.Started.Mode}, {result.Started.Steps} steps, seed {image.Seed}: wrote {output} ({image.Width}x{image.Height})");
    return 0;
}
catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted)
{
    // Retries already ran (Chats:Retry); the service says when it expects capacity again.
    Console.Error.WriteLine($"busy: {e.Status.Detail} (retry after {RetryHints.RetryAfter(e)?.TotalSeconds ?? 1} s)");
    return 2;
}
catch (RpcException e)
{
    // INVALID_ARGUMENT names the field ("steps: ..."); UNAVAILABLE means no service could take the call.
    Console.Error.WriteLine($"{e.StatusCode}: {e.Status.Detail}");
    return 1;
}
