using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Nym.Protocol.Topology;

namespace Nym.Client.Core;

/// <summary>
/// The topology as Nym 1.0.1's client reads it (nym-mixnet.md §7): <c>/v1/mixnodes/active</c> and
/// <c>/v1/gateways</c> of the first validator API URL that answers (the list is shuffled once and rotated on each
/// failure), refreshed every refresh period; a failed, malformed or unusable answer keeps the last good topology.
/// </summary>
public sealed partial class ValidatorApiTopology : IAsyncDisposable
{
    /// <summary>The version whose major.minor nodes must share to be used (§7's filtering).</summary>
    public const string ClientVersion = "1.0.1";

    private readonly Uri[] _urls;
    private readonly TimeSpan _refreshRate;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly CancellationTokenSource _stopping = new();
    private int _next;
    private int _disposed;
    private Task _refreshing = Task.CompletedTask;
    private volatile NymTopology? _current;

    public ValidatorApiTopology(IReadOnlyList<Uri> urls, TimeSpan refreshRate, TimeProvider time, ILogger logger, HttpClient? http = null)
    {
        ArgumentNullException.ThrowIfNull(urls);
        if (urls.Count == 0)
        {
            throw new ArgumentException("At least one validator API URL is needed.", nameof(urls));
        }

        if (refreshRate <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(refreshRate), "The refresh rate must be positive.");
        }

        _urls = [.. urls];
        Random.Shared.Shuffle(_urls);
        _refreshRate = refreshRate;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _ownsHttp = http is null;
        _http = http ?? new HttpClient();
    }

    /// <summary>How long one URL may take to answer (Nym's <c>topology_resolution_timeout</c>).</summary>
    public TimeSpan ResolutionTimeout { get; init; } = TrafficOptions.Default.TopologyResolutionTimeout;

    /// <summary>The last good topology; null until one has been read.</summary>
    public NymTopology? Current => _current;

    /// <summary>Raised after each refresh that produced a usable topology.</summary>
    public event Action<NymTopology>? Updated;

    /// <summary>
    /// Reads the topology once (every URL in turn until one gives a usable topology), then refreshes it in the
    /// background. Throws <see cref="ClientSetupException"/> naming the URLs and what they answered when none did.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var failures = new List<string>();
        for (int i = 0; i < _urls.Length && _current is null; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (await TryRefreshAsync(cancellationToken).ConfigureAwait(false) is { } failure)
            {
                failures.Add(failure);
            }
        }

        if (_current is null)
        {
            throw new ClientSetupException(
                $"Could not read the network topology: {string.Join("; ", failures)}. "
                + "Is the network running? Start it with `dotnet run --project NymAspire.AppHost`, or give the right validator API URLs (--validators).");
        }

        _refreshing = RefreshLoopAsync(_stopping.Token);
    }

    /// <summary>One fetch from the current URL; on failure the next URL becomes current. Returns why it failed, or null.</summary>
    internal async Task<string?> TryRefreshAsync(CancellationToken cancellationToken)
    {
        var url = _urls[_next];
        string? failure = await FetchAsync(url, cancellationToken).ConfigureAwait(false);
        if (failure is not null)
        {
            _next = (_next + 1) % _urls.Length;
            LogRefreshFailed(url, failure);
        }

        return failure is null ? null : $"{url} {failure}";
    }

    private async Task<string?> FetchAsync(Uri url, CancellationToken cancellationToken)
    {
        byte[] mixNodesJson, gatewaysJson;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(ResolutionTimeout);
            try
            {
                mixNodesJson = await GetAsync(url, "v1/mixnodes/active", timeout.Token).ConfigureAwait(false);
                gatewaysJson = await GetAsync(url, "v1/gateways", timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return $"did not answer within {ResolutionTimeout.TotalSeconds:0.#} s";
            }
            catch (HttpRequestException e)
            {
                return e.StatusCode is { } status ? $"answered HTTP {(int)status}" : $"is unreachable ({e.Message})";
            }
            catch (InvalidDataException e)
            {
                return e.Message;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Whatever else one URL does wrong (a connection reset mid-body surfaces as an IOException) is that
                // URL failing: the caller rotates to the next one and keeps the last good topology (§7).
                return $"failed ({e.GetType().Name}: {e.Message})";
            }
        }

        if (!TopologyJson.TryParseMixNodes(mixNodesJson, out var mixNodes, out var error)
            || !TopologyJson.TryParseGateways(gatewaysJson, out var gateways, out error))
        {
            return $"sent malformed topology JSON ({error})";
        }

        if (!NymTopology.TryBuild(mixNodes, gateways, ClientVersion, Resolve, out var topology, out error))
        {
            return $"sent an unusable topology ({error})";
        }

        _current = topology;
        try
        {
            Updated?.Invoke(topology!);
        }
        catch (Exception e)
        {
            // A subscriber's failure is not the URL's: the topology is good and stays.
            LogSubscriberFailed(e);
        }

        return null;
    }

    private async Task<byte[]> GetAsync(Uri baseUrl, string path, CancellationToken cancellationToken)
    {
        // Nym's URLs may carry a path ("https://validator.nymtech.net/api"): the routes go below it.
        var url = new Uri(baseUrl.ToString().TrimEnd('/') + "/" + path);
        using var response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        if (response.Content.Headers.ContentLength > TopologyJson.MaxDocumentLength)
        {
            throw new InvalidDataException($"sent a topology over {TopologyJson.MaxDocumentLength} bytes");
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > TopologyJson.MaxDocumentLength)
            {
                throw new InvalidDataException($"sent a topology over {TopologyJson.MaxDocumentLength} bytes");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>A host name is resolved once, when the topology is built (§6).</summary>
    private static IPAddress? Resolve(string host)
    {
        try
        {
            return Dns.GetHostAddresses(host).FirstOrDefault();
        }
        catch (SocketException)
        {
            return null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private async Task RefreshLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(_refreshRate, _time, cancellationToken).ConfigureAwait(false);
                try
                {
                    await TryRefreshAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    // Only stopping ends the loop: a refresh that failed in an unforeseen way is retried next period.
                    LogRefreshLoopFailed(e);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Disposed.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // The refresh loop ends only by this cancellation (it survives every failure), so awaiting it cannot throw.
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _refreshing.ConfigureAwait(false);
        _stopping.Dispose();
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A topology refresh failed unexpectedly; the last good topology stays and the next refresh runs on time.")]
    private partial void LogRefreshLoopFailed(Exception e);

    [LoggerMessage(Level = LogLevel.Error, Message = "A subscriber to topology updates failed.")]
    private partial void LogSubscriberFailed(Exception e);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Topology from {Url} not used: {Why}; the last good topology stays.")]
    private partial void LogRefreshFailed(Uri url, string why);
}
