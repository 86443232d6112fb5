using Chats.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Chats.Gateway;

/// <summary>
/// <c>Gateway:ConfigFile</c>: an extra JSON file layered over every other source and watched for changes, e.g. a
/// mounted ConfigMap holding <c>Gateway:Arms</c>, so that A/B weights change without a restart. Only what is read after
/// start-up follows an edit: the arms (and salt); <c>Endpoints</c> are read before the file is added.
/// </summary>
internal static class GatewayConfigFile
{
    public const string Key = GatewayOptions.Section + ":ConfigFile";

    public static WebApplicationBuilder AddGatewayConfigFile(this WebApplicationBuilder builder)
    {
        if (builder.Configuration[Key] is { Length: > 0 } file)
        {
            string path = Path.GetFullPath(file);
            if (!File.Exists(path))
            {
                throw new OptionsValidationException(Key, typeof(GatewayOptions), [$"{Key} = '{file}': no such file ({path})"]);
            }

            try
            {
                builder.Configuration.AddJsonFile(path, optional: false, reloadOnChange: true);
            }
            catch (InvalidDataException e)
            {
                throw new OptionsValidationException(Key, typeof(GatewayOptions), [$"{Key} = '{file}': not valid JSON ({e.GetBaseException().Message.TrimEnd('.')})"]);
            }
        }

        return builder;
    }
}
