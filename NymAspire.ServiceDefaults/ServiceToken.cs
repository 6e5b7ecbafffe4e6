using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using System.Globalization;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The deployment's service token: the shared secret that a caller of the KeyStore or the crypto service shows in
/// every call's metadata as <c>authorization: Bearer &lt;token&gt;</c> (DESIGN.md principle 2). The AppHost passes it
/// as a secret parameter; a service run alone reads it from <see cref="EnvironmentVariable"/> or a file.
/// </summary>
public static class ServiceToken
{
    public const string EnvironmentVariable = "NYM_SERVICE_TOKEN";
    public const string MetadataKey = "authorization";
    public const int MinimumLength = 16;
    private const string Scheme = "Bearer ";

    /// <summary>Reads the token from <paramref name="tokenFile"/> when given (its first line), else from the environment.</summary>
    public static bool TryLoad(string? tokenFile, Func<string, string?> environment, [NotNullWhen(true)] out string? token, out string error)
    {
        token = null;
        string source;
        if (!string.IsNullOrEmpty(tokenFile))
        {
            source = $"the token file {tokenFile}";
            try
            {
                token = File.ReadLines(tokenFile).FirstOrDefault()?.Trim();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error = $"Cannot read {source}: {e.Message}";
                return false;
            }
        }
        else
        {
            source = EnvironmentVariable;
            token = environment(EnvironmentVariable)?.Trim();
        }

        if (string.IsNullOrEmpty(token))
        {
            error = $"No service token: set {EnvironmentVariable} (or pass --token-file) to the deployment's token, the same for every service.";
            token = null;
            return false;
        }

        if (token.Length < MinimumLength || token.Any(char.IsWhiteSpace))
        {
            error = $"The service token from {source} must be at least {MinimumLength} characters without spaces.";
            token = null;
            return false;
        }

        error = "";
        return true;
    }

    /// <summary>A new random token, for a process that hosts the services itself (nym-client's standalone mode).</summary>
    public static string Generate() => Convert.ToHexString(RandomNumberGenerator.GetBytes(32));

    /// <summary>Adds the token to every call made through <paramref name="invoker"/>.</summary>
    public static CallInvoker WithServiceToken(this CallInvoker invoker, string token)
    {
        string value = Scheme + token;
        return invoker.Intercept(metadata =>
        {
            metadata.Add(MetadataKey, value);
            return metadata;
        });
    }

    /// <summary>Whether an authorization header's value carries exactly <paramref name="token"/>, compared in constant time.</summary>
    public static bool Matches(string? value, string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (value is null || !value.StartsWith(Scheme, StringComparison.Ordinal))
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(
            Encoding.UTF8.GetBytes(value[Scheme.Length..]), Encoding.UTF8.GetBytes(token));
    }
}

/// <summary>
/// Server side of <see cref="ServiceToken"/>: every call to the endpoints it is applied to without the token is refused
/// as UNAUTHENTICATED before the request body is read (a gRPC interceptor would run only after the whole message was
/// received and deserialized, letting anyone make the service read its largest message), so a caller without it
/// learns nothing, not even whether a client id exists, and costs the service no more than the request's headers.
/// </summary>
public static class ServiceTokenEndpoints
{
    /// <summary>ASCII only, without '%': it goes unencoded into grpc-message (gRPC over HTTP/2, "Responses").</summary>
    private static readonly string Refusal =
        $"Missing or wrong service token: send the deployment's token ({ServiceToken.EnvironmentVariable}) as '{ServiceToken.MetadataKey}: Bearer <token>'.";

    /// <summary>Wraps each endpoint's handler with the token check; <paramref name="refused"/> runs for each call refused.</summary>
    public static TBuilder RequireServiceToken<TBuilder>(this TBuilder builder, string token, Action? refused = null)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(token);
        builder.Add(endpoint =>
        {
            var next = endpoint.RequestDelegate ?? throw new InvalidOperationException($"The endpoint {endpoint.DisplayName} has no handler to protect.");
            endpoint.RequestDelegate = context =>
            {
                var values = context.Request.Headers[ServiceToken.MetadataKey];
                if (values.Count == 1 && ServiceToken.Matches(values[0], token))
                {
                    return next(context);
                }

                refused?.Invoke();
                // A trailers-only gRPC response (status in the headers, no body): what a gRPC client reads as the
                // call's status. The request body is left unread; Kestrel resets the stream when this returns.
                context.Response.StatusCode = StatusCodes.Status200OK;
                context.Response.ContentType = "application/grpc";
                context.Response.Headers["grpc-status"] = ((int)StatusCode.Unauthenticated).ToString(CultureInfo.InvariantCulture);
                context.Response.Headers["grpc-message"] = Refusal;
                return Task.CompletedTask;
            };
        });
        return builder;
    }
}
