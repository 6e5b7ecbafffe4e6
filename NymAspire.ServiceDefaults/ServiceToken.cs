using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Grpc.Core.Interceptors;

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

    /// <summary>Whether the call's metadata carries exactly <paramref name="token"/>, compared in constant time.</summary>
    public static bool IsPresentIn(Metadata headers, string token)
    {
        string? value = headers.GetValue(MetadataKey);
        if (value is null || !value.StartsWith(Scheme, StringComparison.Ordinal))
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(
            Encoding.UTF8.GetBytes(value[Scheme.Length..]), Encoding.UTF8.GetBytes(token));
    }
}

/// <summary>
/// Server side of <see cref="ServiceToken"/>: refuses every call without the token as UNAUTHENTICATED, before the
/// service looks at the request, so a caller without it learns nothing (not even whether a client id exists).
/// </summary>
public sealed class ServiceTokenInterceptor(string token) : Interceptor
{
    private void Check(ServerCallContext context)
    {
        if (!ServiceToken.IsPresentIn(context.RequestHeaders, token))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated,
                $"Missing or wrong service token: send the deployment's token ({ServiceToken.EnvironmentVariable}) as '{ServiceToken.MetadataKey}: Bearer <token>'."));
        }
    }

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(request, responseStream, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(requestStream, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(requestStream, responseStream, context);
    }
}
