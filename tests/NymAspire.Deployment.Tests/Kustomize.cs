using System.ComponentModel;
using System.Diagnostics;

namespace NymAspire.Deployment.Tests;

/// <summary>Renders a Kustomize directory with <c>kubectl kustomize</c>, offline, as <c>kubectl apply -k</c> would.</summary>
internal static class Kustomize
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    public static async Task<string> RenderAsync(string directory, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("kubectl") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("kustomize");
        start.ArgumentList.Add(directory);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException(
                $"kubectl is not installed ({e.Message}). Run ./test.sh, which installs it, or install it yourself: sudo apt-get install kubectl.", e);
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Patience);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"kubectl kustomize {directory} took longer than {Patience}.");
            }

            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"kubectl kustomize {directory} failed ({process.ExitCode}): {await error}");
            }

            return await output;
        }
    }
}
