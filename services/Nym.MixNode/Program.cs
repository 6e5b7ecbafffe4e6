using Nym.MixNode;

return await MixNodeCli.RunAsync(args, Console.Out, Console.Error).ConfigureAwait(false);
