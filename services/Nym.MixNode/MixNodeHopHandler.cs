using Nym.Node;
using Nym.Node.Mixnet;
using Nym.Sphinx;

namespace Nym.MixNode;

/// <summary>A mix node forwards every forward hop after its delay; a final hop is logged and dropped in Nym (§6), here counted.</summary>
internal sealed class MixNodeHopHandler(HopForwarder forwarder, NodeMetrics metrics) : ISphinxHopHandler
{
    public void Handle(in ProcessedHop hop)
    {
        if (hop.Kind == SphinxHopKind.Forward)
        {
            forwarder.Forward(hop);
            return;
        }

        metrics.CountDropped(DropReason.FinalHopAtMixNode);
        hop.Packet.Return();
    }
}
