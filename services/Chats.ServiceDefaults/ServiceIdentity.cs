namespace Chats.ServiceDefaults;

/// <summary>The service's name as this host reports it (the default <c>service.name</c> of its traces, its start-up log).</summary>
internal sealed record ServiceIdentity(string Name);
