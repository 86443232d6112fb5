using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Chats.ServiceDefaults;

/// <summary>The start of every service's wiring: configuration (with overrides applied last) and the shared defaults.</summary>
public static class ChatsServiceHost
{
    /// <summary>A builder with <paramref name="overrides"/> layered over the usual sources and the Chats defaults added.</summary>
    /// <remarks>The calling assembly (the service's host library, e.g. Chats.Sampler) names the service in traces.</remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static WebApplicationBuilder CreateBuilder(string[] args, IReadOnlyDictionary<string, string?>? overrides)
    {
        string service = Assembly.GetCallingAssembly().GetName().Name ?? "chats";
        var builder = WebApplication.CreateBuilder(args);
        if (overrides is not null)
        {
            builder.Configuration.AddInMemoryCollection(overrides);
        }

        return builder.AddChatsServiceDefaults(ChatsTelemetry.ServiceNameOf(service));
    }

    /// <summary>
    /// Binds <typeparamref name="TOptions"/> to <paramref name="section"/>, validated by its data annotations at start-up;
    /// each failure names the key and the value (see <see cref="OptionsSectionValidator{TOptions}"/>).
    /// </summary>
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions>(this WebApplicationBuilder builder, string section)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<IValidateOptions<TOptions>>(new OptionsSectionValidator<TOptions>(section, builder.Configuration));
        return builder.Services.AddOptions<TOptions>().BindConfiguration(section).ValidateOnStart();
    }

    /// <summary>
    /// Binds and validates every options type registered with ValidateOnStart now, so a bad configuration value fails
    /// <c>Build</c>, as a bad model folder does, with an exception <see cref="ConfigurationErrors"/> turns into one line.
    /// Left to <c>StartAsync</c>, the host would also log it as "Hosting failed to start" with a stack trace.
    /// </summary>
    public static WebApplication ValidateOptionsBeforeStart(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        try
        {
            app.Services.GetService<IStartupValidator>()?.Validate();
            return app;
        }
        catch
        {
            ((IDisposable)app).Dispose();
            throw;
        }
    }

    /// <summary>The options of <paramref name="section"/> as configured now (for wiring that happens before the container exists).</summary>
    public static TOptions Snapshot<TOptions>(this WebApplicationBuilder builder, string section)
        where TOptions : new()
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Configuration.GetSection(section).Get<TOptions>() ?? new TOptions();
    }

    /// <summary>
    /// Resolves <typeparamref name="TModel"/> (whose factory loads the weights) before the app starts, so that a bad
    /// model folder fails start-up, not a request. On failure the built app is disposed and the loader's exception,
    /// which names the file and the problem, propagates unchanged.
    /// </summary>
    public static TModel LoadBeforeStart<TModel>(this WebApplication app)
        where TModel : notnull
    {
        ArgumentNullException.ThrowIfNull(app);
        try
        {
            return app.Services.GetRequiredService<TModel>();
        }
        catch
        {
            // Nothing listens yet; release the container and configuration watchers Build created.
            ((IDisposable)app).Dispose();
            throw;
        }
    }
}
