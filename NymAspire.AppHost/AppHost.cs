// The whole network on one machine: the Topology service on its fixed port 8080 (clients' default validator API),
// then three mix layers and the gateways, each its own resource with its own keys, data directory and free ports,
// each waiting for the Topology service and registering with it.
//
// Sizes come from configuration (command line, environment Network__MixNodesPerLayer, user secrets):
// --Network:MixNodesPerLayer=2 --Network:Gateways=2. They are settings rather than Aspire parameters because they
// decide how many resources the model has. State lives under Network:Home (default .nym next to this project),
// laid out like ~/.nym.
var builder = DistributedApplication.CreateBuilder(args);

int mixNodesPerLayer = Setting("Network:MixNodesPerLayer", 1);
int gateways = Setting("Network:Gateways", 1);
string home = Path.GetFullPath(builder.Configuration["Network:Home"] ?? Path.Combine(builder.AppHostDirectory, ".nym"));
if (mixNodesPerLayer is < 1 or > 20 || gateways is < 1 or > 20)
{
    throw new ArgumentException("Network:MixNodesPerLayer and Network:Gateways must each be between 1 and 20.");
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

for (int layer = 1; layer <= 3; layer++)
{
    for (int i = 1; i <= mixNodesPerLayer; i++)
    {
        Node<Projects.Nym_MixNode>($"mix-{layer}-{i}", "--layer", layer.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}

for (int i = 1; i <= gateways; i++)
{
    Node<Projects.Nym_Gateway>($"gateway-{i}")
        .WithEndpoint(name: "clients", scheme: "http", env: "NYM_CLIENTS_PORT", isProxied: false);
}

builder.Build().Run();

int Setting(string key, int fallback) =>
    builder.Configuration[key] is not { } text ? fallback
    : int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out int value) ? value
    : throw new ArgumentException($"{key} must be a whole number, not '{text}'.");
