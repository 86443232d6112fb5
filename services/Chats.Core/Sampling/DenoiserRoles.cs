namespace Chats.Core.Sampling;

/// <summary>
/// The denoisers a deployment has. CHATS modes need <see cref="Preferred"/> (θ+) and
/// <see cref="Dispreferred"/> (θ−); CFG uses <see cref="Standard"/> when there is one and θ+ otherwise,
/// and never touches θ−.
/// </summary>
public sealed record DenoiserRoles(IDenoiserEndpoint? Preferred, IDenoiserEndpoint? Dispreferred, IDenoiserEndpoint? Standard)
{
    /// <summary>The model CFG runs on.</summary>
    public IDenoiserEndpoint? CfgModel => Standard ?? Preferred;
}
