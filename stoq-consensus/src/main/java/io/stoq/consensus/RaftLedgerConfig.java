package io.stoq.consensus;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * Settings of one node's Raft ledger. Values, not parsing: the node maps its config keys onto this.
 *
 * @param self this node's id (must be one of {@code peers})
 * @param group the Raft group id (one per network; derive it from the network id)
 * @param peers every voter and listener of the group
 * @param raftDir where Ratis keeps its log, metadata and snapshots (the ledger lives elsewhere)
 * @param blockInterval how long the leader gathers txs before it builds a block (as {@code ledger.block-interval})
 * @param maxBlockTxs most txs in one block
 * @param maxInflightBlocks blocks the leader proposes ahead of the ones applied
 * @param maxQueuedTxs txs waiting at the leader for a block; more are refused UNAVAILABLE
 * @param submitTimeout how long {@code submit} waits for the outcome of its txs before TIMEOUT
 * @param submitRetries how often {@code submit} resubmits txs whose block lost (RETRY) before it reports RETRY
 * @param snapshotEvery take a snapshot each time this many log entries were applied since the last one
 * @param snapshotsKept snapshots kept on disk; older ones are deleted and the log is purged up to the oldest kept
 * @param logSegmentBytes size at which a Raft log segment is closed; only closed segments are purged after a snapshot
 * @param electionTimeoutMin shortest time a follower waits without hearing from a leader before it stands for election
 * @param electionTimeoutMax longest such wait (each follower picks at random between the two, so one usually wins)
 */
public record RaftLedgerConfig(String self, UUID group, List<RaftPeerSpec> peers, Path raftDir, Duration blockInterval,
        int maxBlockTxs, int maxInflightBlocks, int maxQueuedTxs, Duration submitTimeout, int submitRetries, long snapshotEvery,
        int snapshotsKept, long logSegmentBytes, Duration electionTimeoutMin, Duration electionTimeoutMax) {
    public RaftLedgerConfig {
        peers = List.copyOf(peers);
    }

    /** Defaults for everything but who and where. */
    public static RaftLedgerConfig of(String self, UUID group, List<RaftPeerSpec> peers, Path raftDir) {
        return new RaftLedgerConfig(self, group, peers, raftDir, Duration.ofMillis(5), 2000, 8, 100_000, Duration.ofSeconds(30), 5,
                10_000, 2, 8L << 20, Duration.ofSeconds(1), Duration.ofSeconds(2));
    }

    public RaftLedgerConfig withSnapshotEvery(long entries) {
        return new RaftLedgerConfig(self, group, peers, raftDir, blockInterval, maxBlockTxs, maxInflightBlocks, maxQueuedTxs,
                submitTimeout, submitRetries, entries, snapshotsKept, logSegmentBytes, electionTimeoutMin, electionTimeoutMax);
    }

    public RaftLedgerConfig withBlockInterval(Duration interval) {
        return new RaftLedgerConfig(self, group, peers, raftDir, interval, maxBlockTxs, maxInflightBlocks, maxQueuedTxs,
                submitTimeout, submitRetries, snapshotEvery, snapshotsKept, logSegmentBytes, electionTimeoutMin, electionTimeoutMax);
    }

    public RaftLedgerConfig withPeers(List<RaftPeerSpec> newPeers) {
        return new RaftLedgerConfig(self, group, newPeers, raftDir, blockInterval, maxBlockTxs, maxInflightBlocks, maxQueuedTxs,
                submitTimeout, submitRetries, snapshotEvery, snapshotsKept, logSegmentBytes, electionTimeoutMin, electionTimeoutMax);
    }

    public RaftLedgerConfig withMaxBlockTxs(int txs) {
        return new RaftLedgerConfig(self, group, peers, raftDir, blockInterval, txs, maxInflightBlocks, maxQueuedTxs,
                submitTimeout, submitRetries, snapshotEvery, snapshotsKept, logSegmentBytes, electionTimeoutMin, electionTimeoutMax);
    }

    public RaftLedgerConfig withLogSegmentBytes(long bytes) {
        return new RaftLedgerConfig(self, group, peers, raftDir, blockInterval, maxBlockTxs, maxInflightBlocks, maxQueuedTxs,
                submitTimeout, submitRetries, snapshotEvery, snapshotsKept, bytes, electionTimeoutMin, electionTimeoutMax);
    }

    public RaftLedgerConfig withElectionTimeout(Duration min, Duration max) {
        return new RaftLedgerConfig(self, group, peers, raftDir, blockInterval, maxBlockTxs, maxInflightBlocks, maxQueuedTxs,
                submitTimeout, submitRetries, snapshotEvery, snapshotsKept, logSegmentBytes, min, max);
    }

    public RaftLedgerConfig withRaftDir(Path dir) {
        return new RaftLedgerConfig(self, group, peers, dir, blockInterval, maxBlockTxs, maxInflightBlocks, maxQueuedTxs,
                submitTimeout, submitRetries, snapshotEvery, snapshotsKept, logSegmentBytes, electionTimeoutMin, electionTimeoutMax);
    }

    public RaftLedgerConfig withSubmitTimeout(Duration timeout) {
        return new RaftLedgerConfig(self, group, peers, raftDir, blockInterval, maxBlockTxs, maxInflightBlocks, maxQueuedTxs,
                timeout, submitRetries, snapshotEvery, snapshotsKept, logSegmentBytes, electionTimeoutMin, electionTimeoutMax);
    }

    /** This node's entry in {@code peers}. */
    public RaftPeerSpec selfPeer() throws ConsensusException {
        for (RaftPeerSpec p : peers) {
            if (p.nodeId().equals(self)) {
                return p;
            }
        }
        throw new ConsensusException(ConsensusErrorCode.BAD_CONFIG, "node " + self + " is not among the Raft peers "
                + peers.stream().map(RaftPeerSpec::nodeId).toList());
    }

    void validate() throws ConsensusException {
        selfPeer();
        if (peers.stream().noneMatch(RaftPeerSpec::voter)) {
            throw new ConsensusException(ConsensusErrorCode.BAD_CONFIG, "the Raft group has no voter");
        }
        if (maxBlockTxs < 1 || maxBlockTxs > io.stoq.ledger.tx.Limits.MAX_BLOCK_TXS || maxInflightBlocks < 1 || maxQueuedTxs < 1
                || submitRetries < 0 || snapshotEvery < 1 || snapshotsKept < 1 || blockInterval.isNegative() || logSegmentBytes < 4096
                || electionTimeoutMin.toMillis() < 10 || electionTimeoutMax.compareTo(electionTimeoutMin) <= 0) {
            throw new ConsensusException(ConsensusErrorCode.BAD_CONFIG, "consensus settings out of range: " + this);
        }
    }
}
