namespace Nym.Protocol.Keys;

/// <summary>Key files on disk: written atomically with mode 0600 (as Nym does), read with errors naming the file.</summary>
public static class PemFile
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Writes the key through a temporary file and a rename, so a crash never leaves half a key behind.</summary>
    public static void Write(string path, string tag, ReadOnlySpan<byte> contents)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = OwnerOnly;
            }

            using (var stream = new FileStream(temporary, options))
            using (var writer = new StreamWriter(stream))
            {
                writer.Write(Pem.Encode(tag, contents));
                writer.Flush();
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Reads a key file; false with an error that names the file and says what is wrong with it.</summary>
    public static bool TryRead(string path, string tag, int length, out byte[] contents, out string error)
    {
        contents = [];
        string text;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                error = $"{path}: the key file does not exist";
                return false;
            }

            if (info.Length > Pem.MaxTextLength)
            {
                error = $"{path}: the file is {info.Length} bytes, too large to be a key file";
                return false;
            }

            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"{path}: cannot be read ({e.Message})";
            return false;
        }

        if (!Pem.TryDecode(text, tag, length, out contents, out var reason))
        {
            error = $"{path}: {reason}";
            return false;
        }

        error = "";
        return true;
    }
}
