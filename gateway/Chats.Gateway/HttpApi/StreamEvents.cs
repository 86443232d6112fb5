namespace Chats.Gateway.HttpApi;

/// <summary>Names of the server-sent events of <c>POST /v1/generations:stream</c>.</summary>
internal static class StreamEvents
{
    public const string Started = "started";
    public const string Progress = "progress";
    public const string Image = "image";
    public const string Done = "done";
    public const string Error = "error";
}
