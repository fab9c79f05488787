package io.stoq.consensus;

import java.net.InetSocketAddress;

/**
 * One member of the Raft group: its node id (the id in its Falcon node certificate, which the TLS
 * trust check compares), the address its Ratis server listens on, and whether it votes or only
 * listens (receives and applies the ledger, never votes or leads).
 */
public record RaftPeerSpec(String nodeId, InetSocketAddress address, boolean voter) {
    public static RaftPeerSpec voter(String nodeId, InetSocketAddress address) {
        return new RaftPeerSpec(nodeId, address, true);
    }

    public static RaftPeerSpec listener(String nodeId, InetSocketAddress address) {
        return new RaftPeerSpec(nodeId, address, false);
    }
}
