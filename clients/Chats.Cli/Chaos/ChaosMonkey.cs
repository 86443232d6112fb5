using System.Diagnostics;

namespace Chats.Cli.Chaos;

/// <summary>
/// The fault schedule: every 1–3 s one fault, chosen at random from a seed, to a replica whose partner in its role is up
/// (so a role always keeps one replica): kill -9 then start again (denoisers), SIGTERM then wait for the drained exit and
/// start again (any role), or kill -9 Redis and start it again a second later. At most two replicas recover at once: a
/// restart loads weights and competes for the cores with the generations.
/// </summary>
internal sealed class ChaosMonkey(IReadOnlyList<ReplicaSlot> slots, RedisProcess? redis, int seed, TextWriter log)
{
    private readonly Random _random = new(seed);
    private readonly List<ChaosEvent> _events = [];
    private readonly List<Task> _recoveries = [];
    private int _kills;
    private int _terminations;
    private int _cleanExits;
    private int _redisKills;
    private int _restarts;
    private int _recovering;

    public int Kills => Volatile.Read(ref _kills);

    public int Terminations => _terminations;

    public int CleanExits => Volatile.Read(ref _cleanExits);

    public int RedisKills => _redisKills;

    public int Restarts => Volatile.Read(ref _restarts);

    public IReadOnlyList<ChaosEvent> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    public async Task RunAsync(CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(1000 + _random.Next(2000)), stop);
                if (Volatile.Read(ref _recovering) >= 2)
                {
                    continue;
                }

                double roll = _random.NextDouble();
                if (roll < 0.6)
                {
                    Hurt(s => s.Service == "denoiser", kill: true);
                }
                else if (roll < 0.9 || redis is null)
                {
                    Hurt(_ => true, kill: false);
                }
                else if (redis.Up)
                {
                    redis.Kill();
                    _redisKills++;
                    Record("redis kill -9", "redis");
                    _recoveries.Add(RestartRedisAsync(redis));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        // Leave every replica up again, so the run ends as it started.
        await Task.WhenAll(_recoveries);
    }

    private void Hurt(Func<ReplicaSlot, bool> eligible, bool kill)
    {
        var candidates = slots.Where(s => s.Up && eligible(s) && slots.Any(p => p != s && p.Group == s.Group && p.Up)).ToList();
        if (candidates.Count == 0)
        {
            return;
        }

        var slot = candidates[_random.Next(candidates.Count)];
        var process = slot.Process!;
        slot.Up = false;
        if (kill)
        {
            process.Kill();
            Interlocked.Increment(ref _kills);
            Record("kill -9", slot.Name);
        }
        else
        {
            process.Terminate();
            _terminations++;
            Record("SIGTERM", slot.Name);
        }

        _recoveries.Add(RestartAsync(slot, process, kill));
    }

    private async Task RestartAsync(ReplicaSlot slot, Processes.ServiceProcess process, bool killed)
    {
        Interlocked.Increment(ref _recovering);
        bool exited = await process.WaitForExitAsync(TimeSpan.FromSeconds(90));
        if (!killed)
        {
            if (exited && process.ExitCode == 0)
            {
                Interlocked.Increment(ref _cleanExits);
            }
            else
            {
                log.WriteLine($"  {slot.Name} after SIGTERM: {(exited ? $"exit code {process.ExitCode}" : "still running after 90 s")}\n{process.Tail}");
            }
        }

        await slot.StopAsync();
        await slot.StartAsync(CancellationToken.None);
        Interlocked.Increment(ref _restarts);
        Interlocked.Decrement(ref _recovering);
    }

    private async Task RestartRedisAsync(RedisProcess redis)
    {
        Interlocked.Increment(ref _recovering);
        await Task.Delay(TimeSpan.FromSeconds(1));
        await redis.StartAsync(CancellationToken.None);
        Interlocked.Decrement(ref _recovering);
    }

    private void Record(string kind, string target)
    {
        lock (_events)
        {
            _events.Add(new ChaosEvent(Stopwatch.GetTimestamp(), kind, target));
        }
    }
}
