using Chats.Core.Loading;
using Chats.Core.Sampling;
using Chats.Inference.Engine;
using Chats.Inference.Local;
using Chats.Inference.Roles;

namespace Chats.Tools;

/// <summary>
/// The denoiser roles a reference case needs, loaded from a pipeline folder as the services load them, each behind a
/// <see cref="RecordingDenoiserEndpoint"/>, and the folder's VAE decoder.
/// </summary>
internal sealed class PipelineCaseRoles : IDisposable
{
    private readonly List<IDisposable> _owned;
    private readonly Dictionary<DenoiserRole, RecordingDenoiserEndpoint> _recorders;

    private PipelineCaseRoles(
        DenoiserRoles roles, Dictionary<DenoiserRole, RecordingDenoiserEndpoint> recorders, VaeImageDecoderModel decoder, DenoiserDescription description, List<IDisposable> owned)
    {
        Roles = roles;
        _recorders = recorders;
        Decoder = decoder;
        Description = description;
        _owned = owned;
    }

    /// <summary>The roles, for <see cref="GenerationPipeline"/>.</summary>
    public DenoiserRoles Roles { get; }

    /// <summary>The decoder role.</summary>
    public VaeImageDecoderModel Decoder { get; }

    /// <summary>The first denoiser's description (every role of a folder shares the geometry).</summary>
    public DenoiserDescription Description { get; }

    /// <summary>CHATS: θ+ and θ− (<c>*_win</c>, <c>*_lose</c>); CFG: the standard denoiser.</summary>
    /// <exception cref="InvalidDataException">The folder lacks one of them.</exception>
    public static PipelineCaseRoles Load(DiffusersPipelineFolder folder, bool chats)
    {
        var owned = new List<IDisposable>();
        try
        {
            var decoder = VaeImageDecoderModel.Load(folder.Root);
            owned.Add(decoder);
            var recorders = new Dictionary<DenoiserRole, RecordingDenoiserEndpoint>();
            DenoiserDescription? description = null;
            foreach (var role in chats ? new[] { DenoiserRole.Preferred, DenoiserRole.Dispreferred } : [DenoiserRole.Standard])
            {
                if (!DenoiserComponents.Has(folder, role))
                {
                    throw new InvalidDataException(
                        $"{folder.Root}: a {(chats ? "CHATS" : "CFG")} case needs the {role} denoiser ({string.Join(" or ", DenoiserComponents.Candidates(role))}), which the folder does not have");
                }

                var model = DenoiserModels.Load(folder.Root, DenoiserComponents.For(role, folder));
                owned.Add(model);
                description ??= model.Description;
                var endpoint = new LocalDenoiserEndpoint(model, new DenoiserEngineOptions { Name = model.Description.Component, Threads = TorchThreads.ForDenoiser(role) });
                owned.Add(endpoint);
                recorders[role] = new RecordingDenoiserEndpoint(endpoint);
            }

            var roles = new DenoiserRoles(
                recorders.GetValueOrDefault(DenoiserRole.Preferred), recorders.GetValueOrDefault(DenoiserRole.Dispreferred), recorders.GetValueOrDefault(DenoiserRole.Standard));
            return new PipelineCaseRoles(roles, recorders, decoder, description!, owned);
        }
        catch
        {
            owned.ForEach(o => o.Dispose());
            throw;
        }
    }

    /// <summary>Forgets what the recorders hold (before the next row).</summary>
    public void Clear()
    {
        foreach (var recorder in _recorders.Values)
        {
            recorder.Clear();
        }
    }

    /// <summary>What each role recorded since <see cref="Clear"/>.</summary>
    public Dictionary<DenoiserRole, (IReadOnlyList<DenoiserSessionSetup> Setups, IReadOnlyList<RecordedDenoiserStep> Steps)> Recorded()
        => _recorders.ToDictionary(r => r.Key, r => (r.Value.Setups, r.Value.Steps));

    /// <inheritdoc />
    public void Dispose()
    {
        // Endpoints (their engines' threads) stop before the models they run are freed.
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            _owned[i].Dispose();
        }
    }
}
