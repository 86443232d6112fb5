using Chats.Client;
using Chats.Protos.V1;

namespace Chats.Cli;

/// <summary>Sends one request through a gateway with the SDK and writes the PNGs.</summary>
internal static class GenerationRunner
{
    public static async Task<int> RunAsync(Uri endpoint, GenerateRequest request, FileInfo output, string? clientKey, CancellationToken cancellationToken)
    {
        using var client = new ChatsClient(endpoint, new ChatsClientOptions { ClientKey = clientKey });
        var progress = new Progress<GenerationProgress>(p => Console.Error.Write($"\rstep {p.Step}/{p.TotalSteps}"));
        var result = await client.GenerateAsync(request, progress, cancellationToken);
        Console.Error.WriteLine();
        Directory.CreateDirectory(output.DirectoryName ?? ".");
        foreach (var image in result.Images)
        {
            string path = ImagePaths.ForIndex(output.FullName, image.Index);
            await File.WriteAllBytesAsync(path, image.Png.ToByteArray(), cancellationToken);
            Console.WriteLine($"wrote {path} ({image.Width}x{image.Height}, seed {image.Seed}, mode {result.Started.Mode}, arm {result.Arm})");
        }

        return 0;
    }
}
