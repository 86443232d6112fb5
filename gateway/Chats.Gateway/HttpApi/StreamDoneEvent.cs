namespace Chats.Gateway.HttpApi;

/// <summary>The <c>done</c> event (an empty object): every image was sent.</summary>
public sealed record StreamDoneEvent;
