namespace Nym.Sphinx;

/// <summary>The constants of nymtech/sphinx c494250 (nym-mixnet.md §1.1).</summary>
public static class SphinxConstants
{
    public const int SecurityParameter = 16;
    public const int MaxPathLength = 5;
    public const int NodeAddressLength = 32;
    public const int DestinationAddressLength = 32;
    public const int IdentifierLength = 16;
    public const int FlagLength = 1;
    public const int VersionLength = 3;
    public const int DelayLength = 8;

    /// <summary>α: the Montgomery u-coordinate of the group element.</summary>
    public const int AlphaLength = 32;
    /// <summary>γ: HMAC-SHA256 over β, truncated.</summary>
    public const int MacLength = 16;
    /// <summary>One hop's share of β: flag, version, address, delay (44) and the next γ (16).</summary>
    public const int HopStepLength = FlagLength + VersionLength + NodeAddressLength + DelayLength + MacLength;
    /// <summary>β: encrypted routing information for up to <see cref="MaxPathLength"/> hops.</summary>
    public const int RoutingInfoLength = HopStepLength * MaxPathLength;
    /// <summary>The keystream that unwraps β: one step longer than β, for the shift-in of new bytes.</summary>
    public const int StreamCipherOutputLength = HopStepLength * (MaxPathLength + 1);
    public const int HeaderLength = AlphaLength + MacLength + RoutingInfoLength;
    /// <summary>Final routing information: flag, version, destination, SURB identifier.</summary>
    public const int FinalRoutingInfoLength = FlagLength + VersionLength + DestinationAddressLength + IdentifierLength;

    public const int PayloadKeyLength = Crypto.Lioness.KeySize;
    /// <summary>16 leading zero bytes and one 0x01 byte around every message.</summary>
    public const int PayloadOverhead = SecurityParameter + 1;
    public const int DefaultPayloadSize = 1024;

    public const byte ForwardHopFlag = 0x01;
    public const byte FinalHopFlag = 0x02;

    /// <summary>The sphinx crate's version 0.1.0, written into every routing layer and never checked.</summary>
    public static ReadOnlySpan<byte> Version => [0, 1, 0];

    /// <summary>HKDF's info string (97 ASCII bytes), fixed by the sphinx crate.</summary>
    public static ReadOnlySpan<byte> HkdfInfo => "Dwste mou enan moxlo arketa makru kai ena upomoxlio gia na ton topothetisw kai tha kinisw thn gh."u8;

    /// <summary>Random padding after the final routing information of an n-hop route: 300 − 60(n − 1) − 52 bytes (§1.4).</summary>
    public static int FinalHopPaddingLength(int hops) => RoutingInfoLength - HopStepLength * (hops - 1) - FinalRoutingInfoLength;

    /// <summary>The smallest packet a node accepts: a header and a payload that can carry the overhead.</summary>
    public const int MinimumPacketLength = HeaderLength + PayloadOverhead;
}
