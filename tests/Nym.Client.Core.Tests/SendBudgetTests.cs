using Xunit;

namespace Nym.Client.Core.Tests;

/// <summary>The bound on the bytes of real packets a client holds, and the backpressure it gives senders.</summary>
public sealed class SendBudgetTests
{
    [Fact]
    public async Task ATakeThatDoesNotFitWaitsForARelease()
    {
        var budget = new SendBudget(10);
        await budget.TakeAsync(6, TestContext.Current.CancellationToken);
        await budget.TakeAsync(4, TestContext.Current.CancellationToken);
        var waiting = budget.TakeAsync(3, TestContext.Current.CancellationToken).AsTask();
        Assert.False(waiting.IsCompleted);
        Assert.Equal(10, budget.Used);

        // 2 bytes back are not room for 3: still waiting.
        budget.Release(2);
        await Task.Yield();
        Assert.False(waiting.IsCompleted);
        budget.Release(1);
        await waiting.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal(10, budget.Used);
    }

    [Fact]
    public async Task APacketLargerThanTheBudgetGoesWhenNothingElseIsHeld()
    {
        var budget = new SendBudget(10);
        await budget.TakeAsync(1, TestContext.Current.CancellationToken);
        var large = budget.TakeAsync(25, TestContext.Current.CancellationToken).AsTask();
        Assert.False(large.IsCompleted);
        budget.Release(1);
        await large.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal(25, budget.Used);
    }

    [Fact]
    public async Task AWaitingTakeIsCancellableAndTakesNothing()
    {
        var budget = new SendBudget(10);
        await budget.TakeAsync(10, TestContext.Current.CancellationToken);
        using var cancel = new CancellationTokenSource();
        var waiting = budget.TakeAsync(5, cancel.Token).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        budget.Release(10);
        Assert.Equal(0, budget.Used);
    }

    [Fact]
    public async Task AnAckGivesTheFragmentsBytesBackOnceAndForgettingDoesToo()
    {
        var budget = new SendBudget(100);
        using var acks = new PendingAcks(TrafficOptions.Default, TimeProvider.System, budget);
        var first = new PendingFragment(new Nym.Protocol.Fragments.FragmentIdentifier(1, 1), "recipient", [1]);
        var second = new PendingFragment(new Nym.Protocol.Fragments.FragmentIdentifier(1, 2), "recipient", [2]);
        await budget.TakeAsync(30, TestContext.Current.CancellationToken);
        acks.Add(first, 30);
        await budget.TakeAsync(40, TestContext.Current.CancellationToken);
        acks.Add(second, 40);
        Assert.True(acks.Acknowledge(first.Id));
        Assert.False(acks.Acknowledge(first.Id));
        Assert.Equal(40, budget.Used);
        acks.Forget(second.Id);
        Assert.Equal(0, budget.Used);
        Assert.Equal(0, acks.Count);
    }
}
