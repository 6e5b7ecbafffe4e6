using System.Buffers.Binary;

namespace Nym.Protocol.Topology;

/// <summary>
/// What a node signs with its identity key for the Topology service (protos/topology.proto, D11), in one place for the
/// nodes that sign and the service that checks: a context label, then the exact bytes it covers.
/// </summary>
public static class RegistrationMessages
{
    public static ReadOnlySpan<byte> RegisterContext => "nym-topology/register/v1"u8;

    public static ReadOnlySpan<byte> DeregisterContext => "nym-topology/deregister/v1"u8;

    /// <summary>"nym-topology/register/v1" ‖ the serialized descriptor.</summary>
    public static byte[] Register(ReadOnlySpan<byte> descriptor) => [.. RegisterContext, .. descriptor];

    /// <summary>"nym-topology/deregister/v1" ‖ identity key ‖ issued_at_unix_ms (u64 big-endian).</summary>
    public static byte[] Deregister(ReadOnlySpan<byte> identityKey, ulong issuedAtUnixMs)
    {
        Span<byte> issuedAt = stackalloc byte[sizeof(ulong)];
        BinaryPrimitives.WriteUInt64BigEndian(issuedAt, issuedAtUnixMs);
        return [.. DeregisterContext, .. identityKey, .. issuedAt];
    }
}
