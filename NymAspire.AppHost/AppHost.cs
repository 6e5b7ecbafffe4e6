// The whole network on one machine: the Topology service on its fixed port 8080 (clients' default validator API),
// then three mix layers and the gateways, each its own resource with its own keys, data directory and free ports,
// each waiting for the Topology service and registering with it; the KeyStore and the crypto service (2 replicas)
// that clients share; and the clients, the first (alice) with its websocket API on 127.0.0.1:1977.
//
// Sizes come from configuration (command line, environment Network__MixNodesPerLayer, user secrets):
// --Network:MixNodesPerLayer=2 --Network:Gateways=2 --Network:Clients=2. They are settings rather than Aspire
// parameters because they decide how many resources the model has. State lives under Network:Home (default .nym next
// to this project), laid out like ~/.nym.
var builder = DistributedApplication.CreateBuilder(args);

int mixNodesPerLayer = Setting("Network:MixNodesPerLayer", 1);
int gateways = Setting("Network:Gateways", 1);
int clients = Setting("Network:Clients", 1);
string home = Path.GetFullPath(builder.Configuration["Network:Home"] ?? Path.Combine(builder.AppHostDirectory, ".nym"));
if (mixNodesPerLayer is < 1 or > 20 || gateways is < 1 or > 20 || clients is < 0 or > 20)
{
    throw new ArgumentException("Network:MixNodesPerLayer and Network:Gateways must each be between 1 and 20, Network:Clients between 0 and 20.");
}

var topology = builder.AddProject<Projects.Nym_Topology>("nym-api")
    .WithHttpEndpoint(port: 8080, name: "http", env: "NYM_HTTP_PORT", isProxied: false)
    .WithEndpoint(name: "grpc", scheme: "http", env: "NYM_GRPC_PORT", isProxied: false)
    .WithEndpoint("grpc", endpoint => endpoint.Transport = "http2")
    .WithEnvironment("NYM_DATA_DIR", Path.Combine(home, "nym-api"))
    .WithHttpHealthCheck("/health", endpointName: "http");

// The deployment's service token (DESIGN.md principle 2): every caller of the KeyStore and the crypto service shows
// it. Generated afresh for each run unless configured (Parameters:service-token), since everything restarts together.
var serviceToken = builder.AddParameter("service-token", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true);

// Custody of the clients' keys, in Nym's file layout under <home>/clients/<id>/data.
var keyStore = builder.AddProject<Projects.Nym_KeyStore>("keystore")
    .WithHttpEndpoint(name: "http", env: "NYM_HTTP_PORT", isProxied: false)
    .WithEndpoint(name: "grpc", scheme: "http", env: "NYM_GRPC_PORT", isProxied: false)
    .WithEndpoint("grpc", endpoint => endpoint.Transport = "http2")
    .WithEnvironment("NYM_HOME", home)
    .WithEnvironment("NYM_SERVICE_TOKEN", serviceToken)
    .WithHttpHealthCheck("/health", endpointName: "http");

IResourceBuilder<ProjectResource> Node<TProject>(string name, params string[] runArguments)
    where TProject : IProjectMetadata, new() =>
    builder.AddProject<TProject>(name)
        .WithArgs(["run", "--id", name, "--init-if-missing", .. runArguments])
        .WithEndpoint(name: "mix", scheme: "tcp", env: "NYM_MIX_PORT", isProxied: false)
        .WithHttpEndpoint(name: "http", env: "NYM_HTTP_PORT", isProxied: false)
        .WithEnvironment("NYM_HOME", home)
        .WithEnvironment("NYM_HOST", "127.0.0.1")
        .WithEnvironment("NYM_TOPOLOGY", topology.GetEndpoint("grpc"))
        .WithHttpHealthCheck("/health", endpointName: "http")
        .WaitFor(topology);

var nodes = new List<IResourceBuilder<ProjectResource>>();
for (int layer = 1; layer <= 3; layer++)
{
    for (int i = 1; i <= mixNodesPerLayer; i++)
    {
        nodes.Add(Node<Projects.Nym_MixNode>($"mix-{layer}-{i}", "--layer", layer.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }
}

for (int i = 1; i <= gateways; i++)
{
    nodes.Add(Node<Projects.Nym_Gateway>($"gateway-{i}")
        .WithEndpoint(name: "clients", scheme: "http", env: "NYM_CLIENTS_PORT", isProxied: false));
}

// Stateless, so it runs as replicas behind Aspire's proxy; it follows the topology through nym-api's gRPC watch.
var crypto = builder.AddProject<Projects.Nym_Crypto>("crypto")
    .WithReplicas(2)
    .WithHttpEndpoint(name: "http", env: "NYM_HTTP_PORT")
    .WithEndpoint(name: "grpc", scheme: "http", env: "NYM_GRPC_PORT")
    .WithEndpoint("grpc", endpoint => endpoint.Transport = "http2")
    .WithEnvironment("NYM_KEYSTORE", keyStore.GetEndpoint("grpc"))
    .WithEnvironment("NYM_TOPOLOGY", topology.GetEndpoint("grpc"))
    .WithEnvironment("NYM_SERVICE_TOKEN", serviceToken)
    .WithHttpHealthCheck("/health", endpointName: "http")
    .WaitFor(keyStore)
    .WaitFor(topology);

// Clients are initialised on their first start (keys in the KeyStore, a gateway picked from the topology), so they
// wait for the nodes to be up and registered. Websocket ports are what apps type: 1977, then 1978, …
string[] clientNames = ["alice", "bob", "carol", "dave", "eve", "frank", "grace", "heidi", "ivan", "judy"];
for (int i = 0; i < clients; i++)
{
    string name = i < clientNames.Length ? clientNames[i] : $"client-{i + 1}";
    var client = builder.AddProject<Projects.Nym_Client>(name)
        .WithArgs("run", "--id", name, "--init-if-missing")
        .WithEndpoint(name: "websocket", port: 1977 + i, scheme: "ws", env: "NYM_CLIENT_PORT", isProxied: false)
        .WithHttpEndpoint(name: "http", env: "NYM_HTTP_PORT", isProxied: false)
        .WithEnvironment("NYM_HOME", home)
        .WithEnvironment("NYM_VALIDATORS", topology.GetEndpoint("http"))
        .WithEnvironment("NYM_KEYSTORE", keyStore.GetEndpoint("grpc"))
        .WithEnvironment("NYM_CRYPTO", crypto.GetEndpoint("grpc"))
        .WithEnvironment("NYM_SERVICE_TOKEN", serviceToken)
        .WithHttpHealthCheck("/health", endpointName: "http")
        .WaitFor(crypto);
    foreach (var node in nodes)
    {
        client.WaitFor(node);
    }
}

builder.Build().Run();

int Setting(string key, int fallback) =>
    builder.Configuration[key] is not { } text ? fallback
    : int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out int value) ? value
    : throw new ArgumentException($"{key} must be a whole number, not '{text}'.");
