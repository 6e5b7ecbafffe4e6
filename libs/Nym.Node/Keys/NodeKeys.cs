using Nym.Protocol.Keys;

namespace Nym.Node.Keys;

/// <summary>
/// A node's long-term keys (nym-mixnet.md §8): the Ed25519 identity that names the node and signs its Topology
/// registration, and the X25519 Sphinx key that packets are built for. Nodes own their keys (DESIGN.md principle 2):
/// they live in the node's data directory and nowhere else.
/// </summary>
public sealed class NodeKeys(IdentityKeyPair identity, EncryptionKeyPair sphinx)
{
    public const string PrivateIdentityFile = "private_identity.pem";
    public const string PublicIdentityFile = "public_identity.pem";
    public const string PrivateSphinxFile = "private_sphinx.pem";
    public const string PublicSphinxFile = "public_sphinx.pem";

    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public IdentityKeyPair Identity { get; } = identity;

    public EncryptionKeyPair Sphinx { get; } = sphinx;

    public static NodeKeys Generate() => new(IdentityKeyPair.Generate(), EncryptionKeyPair.Generate());

    /// <summary>True when any of the four key files is there (so that init never overwrites a node's keys).</summary>
    public static bool AnyExist(string dataDirectory) =>
        new[] { PrivateIdentityFile, PublicIdentityFile, PrivateSphinxFile, PublicSphinxFile }
            .Any(name => File.Exists(Path.Combine(dataDirectory, name)));

    /// <summary>Writes the four PEM files with Nym's names and tags, each atomically with mode 0600 (§8).</summary>
    public void Save(string dataDirectory)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(dataDirectory);
        }
        else
        {
            Directory.CreateDirectory(dataDirectory, OwnerOnlyDirectory);
        }

        PemFile.Write(Path.Combine(dataDirectory, PrivateIdentityFile), Pem.Ed25519PrivateKey, Identity.PrivateKey);
        PemFile.Write(Path.Combine(dataDirectory, PublicIdentityFile), Pem.Ed25519PublicKey, Identity.PublicKey.AsReadOnlySpan());
        PemFile.Write(Path.Combine(dataDirectory, PrivateSphinxFile), Pem.X25519PrivateKey, Sphinx.PrivateKey);
        PemFile.Write(Path.Combine(dataDirectory, PublicSphinxFile), Pem.X25519PublicKey, Sphinx.PublicKey.AsReadOnlySpan());
    }

    /// <summary>
    /// Reads the four key files. A missing, damaged or mismatched file (a public key that is not the private key's)
    /// gives false and an error that names the file.
    /// </summary>
    public static bool TryLoad(string dataDirectory, out NodeKeys? keys, out string error)
    {
        keys = null;
        if (!TryReadKey(dataDirectory, PrivateIdentityFile, Pem.Ed25519PrivateKey, IdentityKeyPair.PrivateKeyLength, out var identitySeed, out error)
            || !TryReadKey(dataDirectory, PublicIdentityFile, Pem.Ed25519PublicKey, IdentityKeyPair.PublicKeyLength, out var identityPublic, out error)
            || !TryReadKey(dataDirectory, PrivateSphinxFile, Pem.X25519PrivateKey, EncryptionKeyPair.KeyLength, out var sphinxPrivate, out error)
            || !TryReadKey(dataDirectory, PublicSphinxFile, Pem.X25519PublicKey, EncryptionKeyPair.KeyLength, out var sphinxPublic, out error))
        {
            return false;
        }

        var identity = IdentityKeyPair.FromPrivateKey(identitySeed);
        var sphinx = EncryptionKeyPair.FromPrivateKey(sphinxPrivate);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(identitySeed);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(sphinxPrivate);
        if (!identity.PublicKey.AsReadOnlySpan().SequenceEqual(identityPublic))
        {
            error = $"{Path.Combine(dataDirectory, PublicIdentityFile)}: it does not match {PrivateIdentityFile}";
            return false;
        }

        if (!sphinx.PublicKey.AsReadOnlySpan().SequenceEqual(sphinxPublic))
        {
            error = $"{Path.Combine(dataDirectory, PublicSphinxFile)}: it does not match {PrivateSphinxFile}";
            return false;
        }

        keys = new NodeKeys(identity, sphinx);
        return true;
    }

    private static bool TryReadKey(string directory, string name, string tag, int length, out byte[] contents, out string error) =>
        PemFile.TryRead(Path.Combine(directory, name), tag, length, out contents, out error);
}
