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

    /// <summary>The guidance modes these denoisers can serve.</summary>
    public IReadOnlyCollection<Guidance.GuidanceMode> AvailableModes =>
    [
        .. CfgModel is null ? Array.Empty<Guidance.GuidanceMode>() : [Guidance.GuidanceMode.Cfg],
        .. Preferred is null || Dispreferred is null ? Array.Empty<Guidance.GuidanceMode>() : [Guidance.GuidanceMode.Chats, Guidance.GuidanceMode.ChatsFull],
    ];
}
