using Nym.Gateway;
using Nym.Node;

var cli = new NodeCli(NodeKind.Gateway, "nym-gateway",
    "Nym gateway (Nym 1.0.1 compatible, with NymAspire's D1 framing): clients connect to it over a websocket, and it is the last hop of their packets.",
    (config, keys) => GatewayApp.Build(config, keys, NymHome.NodePaths(NymHome.Resolve(), NodeKind.Gateway, config.Id)));
return await cli.RunAsync(args, Console.Out, Console.Error).ConfigureAwait(false);
