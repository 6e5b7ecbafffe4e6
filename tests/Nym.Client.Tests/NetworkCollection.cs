using Nym.TestNetwork;
using Xunit;

namespace Nym.Client.Tests;

/// <summary>The tests that share one real small mixnet (<see cref="Network"/>).</summary>
[CollectionDefinition(nameof(NetworkCollection))]
public sealed class NetworkCollection : ICollectionFixture<Network>;
