using Nym.TestNetwork;
using Xunit;

namespace Nym.Crypto.Tests;

/// <summary>The tests that share one <see cref="Network"/>.</summary>
[CollectionDefinition(nameof(NetworkCollection))]
public sealed class NetworkCollection : ICollectionFixture<Network>;
