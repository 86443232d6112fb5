using Microsoft.Extensions.Options;

namespace Chats.Client;

/// <summary>Start-up validation of the options <c>AddChatsClient</c> binds: every problem, each naming its setting.</summary>
internal sealed class ChatsClientOptionsValidator : IValidateOptions<ChatsClientOptions>
{
    public ValidateOptionsResult Validate(string? name, ChatsClientOptions options)
    {
        var problems = new List<string>();
        if (options.Address is null)
        {
            problems.Add("Address: required for AddChatsClient (the gateway, e.g. http://localhost:5000)");
        }

        problems.AddRange(options.Validate());
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
