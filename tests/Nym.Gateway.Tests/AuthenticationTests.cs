using System.Net.WebSockets;
using Nym.TestNetwork;
using Nym.Protocol.Gateway;
using Nym.Protocol.Keys;
using Xunit;

namespace Nym.Gateway.Tests;

/// <summary>
/// Returning clients (nym-mixnet.md §5.3) with D9: a newly authenticated connection replaces the client's previous
/// one, an authenticate IV is accepted once, and only the holder of the registered keys gets in.
/// </summary>
[Collection(nameof(NetworkCollection))]
public sealed class AuthenticationTests(Network network)
{
    [Fact]
    public async Task A_second_authenticated_connection_replaces_the_first()
    {
        var alice = new TestClient(network);
        var bob = new TestClient(network);
        var (aliceConnection, _) = await alice.RegisterAsync();
        await using var a = aliceConnection;
        var (first, _) = await bob.RegisterAsync();
        await using var f = first;

        var (second, response, _) = await bob.AuthenticateAsync();
        await using var s = second;

        Assert.True(response.Status);
        var closed = await first.ClosedAsync();
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, closed.Status);
        var message = "to the newer connection"u8.ToArray();
        await alice.SendAsync(aliceConnection, bob.Address, message);
        Assert.Equal(message, Assert.Single(await bob.ReceiveAsync(second, messages: 1)));
    }

    [Fact]
    public async Task A_replayed_authenticate_is_refused_and_leaves_the_live_connection_alone()
    {
        var alice = new TestClient(network);
        var bob = new TestClient(network);
        var (aliceConnection, _) = await alice.RegisterAsync();
        await using var a = aliceConnection;
        var (registration, _) = await bob.RegisterAsync();
        await registration.DisposeAsync();
        var request = bob.NewAuthenticateRequest();
        var (live, accepted, _) = await bob.AuthenticateAsync(request);
        await using var l = live;
        Assert.True(accepted.Status);

        // The same JSON again, as someone who recorded it would send it.
        var (replay, refused, _) = await bob.AuthenticateAsync(request);
        await using var r = replay;

        Assert.False(refused.Status);
        await replay.ClosedAsync();
        var message = "still to the live connection"u8.ToArray();
        await alice.SendAsync(aliceConnection, bob.Address, message);
        Assert.Equal(message, Assert.Single(await bob.ReceiveAsync(live, messages: 1)));
    }

    [Fact]
    public async Task An_unknown_client_is_refused()
    {
        var stranger = new TestClient(network);
        var keys = GatewaySharedKeys.FromKeys(new byte[16], new byte[16]);

        var (connection, response, _) = await stranger.AuthenticateAsync(
            AuthenticateRequest.Create(keys, stranger.Identity.PublicKey.AsReadOnlySpan()));
        await using var c = connection;

        Assert.False(response.Status);
        await connection.ClosedAsync();
    }

    [Fact]
    public async Task A_wrong_proof_is_refused()
    {
        var bob = new TestClient(network);
        var (registration, _) = await bob.RegisterAsync();
        await registration.DisposeAsync();
        var otherKeys = GatewaySharedKeys.FromKeys(Enumerable.Repeat((byte)7, 16).ToArray(), Enumerable.Repeat((byte)9, 16).ToArray());
        var address = bob.Identity.PublicKey.AsReadOnlySpan();

        foreach (var request in new[]
        {
            // Someone else's keys.
            AuthenticateRequest.Create(otherKeys, address),
            // The right keys, but Nym 1.0.1's forgeable proof (AES-CTR of the address), which D1 replaces.
            AuthenticateRequest.Create(bob.SharedKeys!, address, HandshakeFormat.Nym),
            // Another client's address under bob's proof.
            AuthenticateRequest.Create(bob.SharedKeys!, IdentityKeyPair.Generate().PublicKey.AsReadOnlySpan()),
        })
        {
            var (connection, response, _) = await bob.AuthenticateAsync(request);
            await using var c = connection;
            Assert.False(response.Status);
            await connection.ClosedAsync();
        }

        var (good, accepted, _) = await bob.AuthenticateAsync();
        await using var g = good;
        Assert.True(accepted.Status);
    }
}
