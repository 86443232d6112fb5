namespace Chats.Core.Sampling;

/// <summary>A denoising model in one role (local or remote) that generation sessions are opened on.</summary>
public interface IDenoiserEndpoint
{
    /// <summary>Opens a session whose steps refer to <see cref="DenoiserSessionSetup.Conditionings"/> by index.</summary>
    Task<IDenoiserSession> OpenSessionAsync(DenoiserSessionSetup setup, CancellationToken cancellationToken);
}
