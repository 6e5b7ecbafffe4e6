using System.Text.RegularExpressions;
using Grpc.Core;

namespace Nym.KeyStore;

/// <summary>
/// A client id as `nym-client init --id` takes it (keystore.proto ClientRef). It names a directory under
/// &lt;home&gt;/clients, so only 1–64 characters of [A-Za-z0-9_.-], never starting with '.': no separator, no "..",
/// no hidden or special entry can be reached through it.
/// </summary>
internal static partial class ClientId
{
    public const int MaxLength = 64;

    /// <summary>Throws INVALID_ARGUMENT for an id that is not a safe directory name. The message does not echo the id (it may be anything).</summary>
    public static void Check(string id)
    {
        if (!Valid().IsMatch(id))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument,
                $"A client id is 1 to {MaxLength} characters of A-Z, a-z, 0-9, '_', '.' and '-', not starting with '.'; choose one like 'alice'."));
        }
    }

    // \z, not $: $ would also match before a final newline.
    [GeneratedRegex(@"^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Valid();
}
