using System.Diagnostics.Metrics;
using Nym.Client.Core;

namespace Nym.Client.Api;

/// <summary>
/// The websocket API's own instruments, on the client's meter (<see cref="ClientMetrics.MeterName"/>). DESIGN.md
/// principle 2: the only tag is why, never who or which message.
/// </summary>
internal static class ApiMetrics
{
    private static readonly Meter Meter = new(ClientMetrics.MeterName);

    private static readonly Counter<long> Lost = Meter.CreateCounter<long>(
        "nym.client.messages_not_kept", "{message}", "Received messages neither handed to an app nor kept for one, by reason");

    private static readonly Counter<long> Refused = Meter.CreateCounter<long>(
        "nym.client.apps_refused", "{connection}", "App connections refused because the most apps were already connected");

    /// <summary>The D4 store was full (<c>store_full</c>) or failed (<c>store_error</c>), or a closing app had too many waiting (<c>app_closing</c>).</summary>
    public static void MessageNotKept(string reason) => Lost.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public static void AppRefused() => Refused.Add(1);
}
