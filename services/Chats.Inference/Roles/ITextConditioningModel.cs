using Chats.Core.Sampling;

namespace Chats.Inference.Roles;

/// <summary>A loaded text-encoding pipeline (tokenizers and text encoders of one model folder).</summary>
public interface ITextConditioningModel : IPromptEncoder, IDisposable
{
    /// <summary>Identity and shapes of the encodings.</summary>
    TextEncoderDescription Description { get; }
}
