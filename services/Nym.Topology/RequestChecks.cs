using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using Grpc.Core;
using Nym.Protocol.Keys;
using Nym.Protocol.Topology;
using Nym.Topology.V1;

namespace Nym.Topology;

/// <summary>
/// The checks on a Register or Deregister request that need no state: formats, signature, field ranges. Each returns
/// null when the request passes, or the refusal to send. Messages name the field and the rule, never its value.
/// </summary>
internal static partial class RequestChecks
{
    /// <summary>A descriptor is a few hundred bytes; anything much larger is not one.</summary>
    public const int MaxDescriptorLength = 2048;

    public const int MaxVersionLength = 32;
    public const int MaxLocationLength = 64;
    public const int MaxHostLength = 253;

    /// <summary>Drops fields this version does not know, so that they are not passed on to every reader of the topology.</summary>
    public static readonly MessageParser<NodeDescriptor> DescriptorParser = NodeDescriptor.Parser.WithDiscardUnknownFields(true);

    private const int KeyLength = 32;

    public static Refusal? TryParseDescriptor(ByteString bytes, out NodeDescriptor descriptor)
    {
        descriptor = new NodeDescriptor();
        if (bytes.Length is 0 or > MaxDescriptorLength)
        {
            return Refusal.Invalid(RefusalReason.Malformed,
                $"descriptor is {bytes.Length} bytes; send a serialized NodeDescriptor of 1 to {MaxDescriptorLength} bytes");
        }

        try
        {
            descriptor = DescriptorParser.ParseFrom(bytes);
            return null;
        }
        catch (InvalidProtocolBufferException)
        {
            return Refusal.Invalid(RefusalReason.Malformed, "descriptor is not a serialized NodeDescriptor (protobuf)");
        }
    }

    /// <summary>The identity key's format and the Ed25519 signature over <paramref name="message"/> (<see cref="RegistrationMessages"/>).</summary>
    public static Refusal? CheckSignature(ByteString identityKey, ByteString signature, byte[] message, string howToSign)
    {
        if (identityKey.Length != KeyLength)
        {
            return Refusal.Invalid(RefusalReason.Malformed, $"identity_key must be {KeyLength} bytes (an Ed25519 public key), got {identityKey.Length}");
        }

        if (!Nym.Protocol.Addressing.Ed25519Point.CanDecompress(identityKey.Span))
        {
            return Refusal.Invalid(RefusalReason.Malformed, "identity_key is not a valid Ed25519 public key");
        }

        if (signature.Length != IdentityKeyPair.SignatureLength)
        {
            return Refusal.Invalid(RefusalReason.Malformed,
                $"signature must be {IdentityKeyPair.SignatureLength} bytes (an Ed25519 signature), got {signature.Length}");
        }

        return IdentityKeyPair.Verify(identityKey.Span, message, signature.Span)
            ? null
            : new Refusal(StatusCode.Unauthenticated, RefusalReason.BadSignature, $"signature does not verify: sign {howToSign} with the identity key");
    }

    /// <summary>Everything in a (signed) descriptor apart from its identity key and issued_at.</summary>
    public static Refusal? CheckFields(NodeDescriptor d)
    {
        string? problem = d switch
        {
            { SphinxKey.Length: not KeyLength } => $"sphinx_key must be {KeyLength} bytes (an X25519 public key), got {d.SphinxKey.Length}",
            { Kind: not (NodeKind.MixNode or NodeKind.Gateway) } => "kind must be NODE_KIND_MIX_NODE or NODE_KIND_GATEWAY",
            { MixPort: 0 or > IPEndPoint.MaxPort } => $"mix_port must be 1 to 65535, got {d.MixPort}",
            { Kind: NodeKind.Gateway, ClientsPort: 0 or > IPEndPoint.MaxPort } => $"clients_port must be 1 to 65535 for a gateway, got {d.ClientsPort}",
            { Kind: NodeKind.MixNode, Layer: not (1 or 2 or 3) } => $"layer must be 1, 2 or 3 for a mix node, got {d.Layer}",
            _ => HostProblem(d.Host) is { } host ? $"host {host}"
                : VersionProblem(d.Version) ?? LocationProblem(d.Location),
        };

        return problem is null ? null : Refusal.Invalid(RefusalReason.InvalidField, problem);
    }

    /// <summary>
    /// Null for an IPv4 dotted quad, an IPv6 literal or a DNS name (RFC 1123 labels, at most 253 characters, last label
    /// not all digits so that it cannot be read as an IP address: clients try an IP literal first).
    /// </summary>
    internal static string? HostProblem(string host)
    {
        if (host.Length == 0)
        {
            return "is empty; give the IP address or DNS name that others reach the node at";
        }

        if (host.Length > MaxHostLength)
        {
            return $"is {host.Length} characters, more than the {MaxHostLength} of a DNS name";
        }

        if (host.Contains(':', StringComparison.Ordinal))
        {
            return IPAddress.TryParse(host, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6 && v6.ScopeId == 0
                ? UnreachableProblem(v6)
                : "is neither an IPv6 address (write it without brackets or port) nor a DNS name";
        }

        if (IsDottedQuad(host, out var v4))
        {
            return UnreachableProblem(v4);
        }

        var labels = host.TrimEnd('.').Split('.');
        foreach (var label in labels)
        {
            if (label.Length is 0 or > 63)
            {
                return "is not a DNS name: each dot-separated label must have 1 to 63 characters";
            }

            if (!DnsLabel().IsMatch(label))
            {
                return "is not a DNS name: labels have letters, digits and '-' only, and neither start nor end with '-'";
            }
        }

        return labels[^1].All(char.IsAsciiDigit)
            ? "is neither an IPv4 address (four numbers 0-255 separated by dots) nor a DNS name (whose last label is not all digits)"
            : null;
    }

    private static bool IsDottedQuad(string host, out IPAddress address)
    {
        address = IPAddress.None;
        var parts = host.Split('.');
        if (parts.Length != 4 || parts.Any(p => p.Length is 0 or > 3 || !p.All(char.IsAsciiDigit)
            || int.Parse(p, CultureInfo.InvariantCulture) > 255))
        {
            return false;
        }

        address = IPAddress.Parse(host);
        return true;
    }

    private static string? UnreachableProblem(IPAddress address) =>
        address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)
            ? "is the unspecified address, which no one can reach; give the node's own address"
            : null;

    private static string? VersionProblem(string version) =>
        version.Length is 0 or > MaxVersionLength || !version.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '+')
            ? $"version must be 1 to {MaxVersionLength} characters of letters, digits, '.', '-' and '+', such as 1.0.1"
            : null;

    private static string? LocationProblem(string location) =>
        location.Length > MaxLocationLength || location.Any(char.IsControl)
            ? $"location must be at most {MaxLocationLength} characters, none of them control characters"
            : null;

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$")]
    private static partial System.Text.RegularExpressions.Regex DnsLabel();
}
