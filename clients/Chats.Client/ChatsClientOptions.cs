using System.Globalization;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Configuration;

namespace Chats.Client;

/// <summary>
/// Settings of a <see cref="ChatsClient"/>, bindable from configuration (for example the section <c>Chats</c>:
/// <c>Chats:Address</c>, <c>Chats:ApiKey</c>, <c>Chats:Timeout</c>, <c>Chats:Retry:MaxAttempts</c>, …).
/// </summary>
public sealed class ChatsClientOptions
{
    /// <summary>The gateway (or sampler): <c>http://host:port</c> for h2c, <c>https://</c> for TLS. Required by <c>AddChatsClient</c>; the constructors that take an address or a channel ignore it.</summary>
    public Uri? Address { get; set; }

    /// <summary>Identifies the caller for sticky A/B assignment (sent as <c>x-client-key</c>); null lets the gateway use the peer address.</summary>
    public string? ClientKey { get; set; }

    /// <summary>The gateway's API key, sent as <c>authorization: Bearer &lt;key&gt;</c> on every call; null sends none.</summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// Deadline of each generation (10 min), from the call's start to its last event and across all its retries.
    /// It applies whether or not the caller passes a cancellation token (whichever comes first ends the call: the
    /// deadline with DEADLINE_EXCEEDED, the token with CANCELLED); null for none.
    /// </summary>
    public TimeSpan? Timeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Largest response message accepted (64 MiB: PNG bytes); gRPC's default 4 MB is too small for big images.</summary>
    public int MaxReceiveMessageSize { get; set; } = 64 * 1024 * 1024;

    /// <summary>Retries of refused calls (on by default: 4 attempts on UNAVAILABLE and RESOURCE_EXHAUSTED).</summary>
    public ChatsRetryOptions Retry { get; set; } = new();

    /// <summary>
    /// Channel options that carry these settings: the receive limit, reconnect backoff and the retry policy as a gRPC
    /// service config. <see cref="ChatsClient"/> uses them for the channels it creates; pass them to
    /// <see cref="GrpcChannel.ForAddress(Uri, GrpcChannelOptions)"/> when creating a channel of your own.
    /// </summary>
    /// <exception cref="ArgumentException">A setting is invalid (the message names it).</exception>
    public GrpcChannelOptions CreateChannelOptions()
    {
        ThrowIfInvalid();
        var channel = new GrpcChannelOptions();
        ApplyTo(channel);
        return channel;
    }

    /// <summary>The retry policy as a gRPC service config (no method config when retries are off).</summary>
    /// <exception cref="ArgumentException">A setting is invalid (the message names it).</exception>
    public ServiceConfig CreateServiceConfig()
    {
        ThrowIfInvalid();
        var config = new ServiceConfig();
        if (Retry.MaxAttempts > 1)
        {
            var policy = new RetryPolicy
            {
                MaxAttempts = Retry.MaxAttempts,
                InitialBackoff = Retry.InitialBackoff,
                MaxBackoff = Retry.MaxBackoff,
                BackoffMultiplier = Retry.BackoffMultiplier,
            };
            foreach (var code in (IEnumerable<StatusCode>?)Retry.RetryableStatusCodes ?? ChatsRetryOptions.DefaultRetryableStatusCodes)
            {
                policy.RetryableStatusCodes.Add(code);
            }

            config.MethodConfigs.Add(new MethodConfig
            {
                Names = { new MethodName { Service = Protos.V1.Sampler.Descriptor.FullName } },
                RetryPolicy = policy,
            });
        }

        return config;
    }

    /// <summary>What is wrong with these settings, one message per setting, each starting with its name; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Address is { } address && (!address.IsAbsoluteUri || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps)))
        {
            problems.Add($"Address: must be an absolute http:// or https:// address; got '{address}'");
        }

        if (ApiKey is { } key && (key.Length == 0 || key.Any(c => c is <= ' ' or > '~')))
        {
            problems.Add("ApiKey: must be printable ASCII without spaces (it travels in the authorization header)");
        }

        if (ClientKey is { } clientKey && clientKey.Any(c => c is < ' ' or > '~'))
        {
            problems.Add("ClientKey: must be printable ASCII (it travels in the x-client-key header)");
        }

        if (Timeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            problems.Add(Invariant($"Timeout: must be positive, or null for no deadline; got {timeout}"));
        }

        if (MaxReceiveMessageSize <= 0)
        {
            problems.Add(Invariant($"MaxReceiveMessageSize: must be positive; got {MaxReceiveMessageSize}"));
        }

        if (Retry is null)
        {
            problems.Add("Retry: must be set (MaxAttempts = 1 turns retries off)");
            return problems;
        }

        if (Retry.MaxAttempts < 1)
        {
            problems.Add(Invariant($"Retry:MaxAttempts: must be at least 1 (1 turns retries off); got {Retry.MaxAttempts}"));
        }

        if (Retry.InitialBackoff <= TimeSpan.Zero)
        {
            problems.Add(Invariant($"Retry:InitialBackoff: must be positive; got {Retry.InitialBackoff}"));
        }

        if (Retry.MaxBackoff <= TimeSpan.Zero)
        {
            problems.Add(Invariant($"Retry:MaxBackoff: must be positive; got {Retry.MaxBackoff}"));
        }

        if (!(Retry.BackoffMultiplier > 0) || double.IsInfinity(Retry.BackoffMultiplier))
        {
            problems.Add(Invariant($"Retry:BackoffMultiplier: must be a positive number; got {Retry.BackoffMultiplier}"));
        }

        if (Retry.MaxAttempts > 1 && Retry.RetryableStatusCodes is { Count: 0 })
        {
            problems.Add("Retry:RetryableStatusCodes: must name at least one status when Retry:MaxAttempts is above 1 (or be null for UNAVAILABLE and RESOURCE_EXHAUSTED)");
        }

        if (Retry.RetryableStatusCodes?.Contains(StatusCode.OK) == true)
        {
            problems.Add("Retry:RetryableStatusCodes: OK is not a failure and cannot be retried");
        }

        return problems;
    }

    /// <summary>Sets the receive limit, reconnect backoff and service config on <paramref name="channel"/>.</summary>
    internal void ApplyTo(GrpcChannelOptions channel)
    {
        channel.MaxReceiveMessageSize = MaxReceiveMessageSize;
        channel.ServiceConfig = CreateServiceConfig();
        // grpc-dotnet caps any policy at MaxRetryAttempts (5 by default): the setting here is the one that counts.
        channel.MaxRetryAttempts = Math.Max(Retry.MaxAttempts, 1);
        // A connection that failed is tried again after the reconnect backoff only (1 s growing to 120 s by default), and
        // a retry in between fails at once: bounding it by the retry backoff lets a retry find a server that came back.
        channel.InitialReconnectBackoff = Retry.InitialBackoff;
        channel.MaxReconnectBackoff = Retry.MaxBackoff > Retry.InitialBackoff ? Retry.MaxBackoff : Retry.InitialBackoff;
    }

    /// <exception cref="ArgumentException">A setting is invalid (the message names every one).</exception>
    internal void ThrowIfInvalid()
    {
        var problems = Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems), "options");
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
