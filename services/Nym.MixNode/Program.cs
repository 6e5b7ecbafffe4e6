using Nym.MixNode;
using Nym.Node;

var cli = new NodeCli(NodeKind.MixNode, "nym-mixnode",
    "Nym mix node (Nym 1.0.1 compatible): mixes Sphinx packets between the layers of the mixnet.",
    (config, keys) => MixNodeApp.Build(config, keys));
return await cli.RunAsync(args, Console.Out, Console.Error).ConfigureAwait(false);
