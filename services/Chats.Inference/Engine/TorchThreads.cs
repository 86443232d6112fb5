using Chats.Core.Sampling;
using TorchSharp;

namespace Chats.Inference.Engine;

/// <summary>
/// libtorch's intra-op thread count for one model thread. The count is a per-thread setting (OpenMP's team size),
/// so each role's model thread sets its own, and two roles in one process or on one machine can split the cores
/// instead of each starting a team as wide as the machine.
/// </summary>
public static class TorchThreads
{
    // Serialises the set-and-restore below so that two model threads starting together cannot interleave it.
    private static readonly Lock s_gate = new();

    /// <summary>
    /// The count a configured value means: itself when positive; 0 (the default) is the cores this process may use,
    /// <see cref="Environment.ProcessorCount"/>, which honours a container's CPU limit where libtorch's own default
    /// would count every core of the node.
    /// </summary>
    public static int Resolve(int configured)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(configured);
        return configured > 0 ? configured : Environment.ProcessorCount;
    }

    /// <summary>
    /// The rule for <paramref name="busyRoles"/> torch roles that compute at the same time on one machine: the cores
    /// split evenly, at least one thread each (a CHATS step keeps θ+ and θ− busy together).
    /// </summary>
    public static int Share(int busyRoles, int? cores = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(busyRoles, 1);
        return Math.Max(1, (cores ?? Environment.ProcessorCount) / busyRoles);
    }

    /// <summary>
    /// The rule for the denoisers of one machine (one process or several): a CHATS step keeps θ+ and θ− computing at the
    /// same time, so each gets half the cores (two full-width libtorch teams on the same cores slow both); the standard
    /// denoiser computes alone in a CFG step and keeps every core.
    /// </summary>
    public static int ForDenoiser(DenoiserRole role, int? cores = null)
        => role == DenoiserRole.Standard ? cores ?? Resolve(0) : Share(2, cores);

    /// <summary>
    /// Sets the calling thread's intra-op count to <see cref="Resolve"/>(<paramref name="configured"/>), leaving the
    /// process-wide value as it was.
    /// </summary>
    internal static void ApplyToCurrentThread(int configured)
    {
        lock (s_gate)
        {
            // libtorch initialises a thread's count lazily, at its first parallel call, from the process-wide value that
            // the last set_num_threads anywhere left: initialise this thread first (reading that value), then set it.
            int processWide = torch.get_num_threads();
            int wanted = Resolve(configured);
            if (wanted == processWide)
            {
                return;
            }

            torch.set_num_threads(wanted);

            // set_num_threads also changed the process-wide value that every thread initialising later copies: put it
            // back from a throwaway thread, so one role's count never leaks into other threads (their numerics would
            // change with it: a reduction split across another number of threads rounds differently).
            var restore = new Thread(() =>
            {
                _ = torch.get_num_threads();
                torch.set_num_threads(processWide);
            });
            restore.Start();
            restore.Join();
        }
    }
}
