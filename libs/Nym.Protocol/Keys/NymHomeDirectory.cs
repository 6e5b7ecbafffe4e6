namespace Nym.Protocol.Keys;

/// <summary>
/// Where Nym keeps its files, as Nym 1.0.1 does: <c>$NYM_HOME</c>, else <c>~/.nym</c> (nym-client-api.md §6), with
/// <c>clients/&lt;id&gt;/</c>, <c>mixnodes/&lt;id&gt;/</c>, <c>gateways/&lt;id&gt;/</c> below it. Every service resolves it here.
/// </summary>
public static class NymHomeDirectory
{
    public const string EnvironmentVariable = "NYM_HOME";

    public static string Resolve(Func<string, string?>? environment = null)
    {
        var home = (environment ?? Environment.GetEnvironmentVariable)(EnvironmentVariable);
        return string.IsNullOrWhiteSpace(home)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nym")
            : Path.GetFullPath(home);
    }
}
