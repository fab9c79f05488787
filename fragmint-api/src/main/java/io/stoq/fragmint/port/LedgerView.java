package io.stoq.fragmint.port;

import java.util.List;

/**
 * Read access to the ledger and the network membership, implemented by stoq-node. Calls may block
 * (they run on API worker threads).
 */
public interface LedgerView {

    /** Blocks, newest first. */
    Page<BlockSummary> blocks(PageRequest page) throws ApiException;

    /** One block by height; {@link ApiError#NOT_FOUND} when above the tip. */
    BlockSummary block(long height) throws ApiException;

    /** Every node the ledger knows, registered or revoked. */
    List<NodeInfo> nodes() throws ApiException;

    /** One node by id. */
    NodeInfo node(String id) throws ApiException;

    /**
     * Starts the network's next data-key epoch and re-wraps the asset key of every live version to
     * it, shard ciphertext untouched ({@code stoq network rotate-keys}). Admin only, with TOTP.
     */
    KeyEpochRotation rotateKeyEpoch(Caller caller) throws ApiException;

    /**
     * What a key epoch rotation did.
     *
     * @param epoch the new epoch's number
     * @param height the ledger height of its KEY_EPOCH tx
     * @param members the nodes holding a share of it (registered, unrevoked)
     * @param versionsRewrapped live asset versions whose key was re-wrapped to it
     * @param versionsSkipped live versions this node could not re-wrap (they keep their old wrap)
     * @param shardBytesUntouched stored shard bytes of the re-wrapped versions, none of them rewritten
     */
    record KeyEpochRotation(long epoch, long height, List<String> members, int versionsRewrapped, int versionsSkipped,
            long shardBytesUntouched) {
        public KeyEpochRotation {
            members = List.copyOf(members);
        }
    }

    /**
     * A block header as the API shows it.
     *
     * @param height block height, 0 = genesis
     * @param hash hex header hash
     * @param previousHash hex hash of the previous header (empty string for genesis)
     * @param txRoot hex merkle root of the block's transactions
     * @param stateRoot hex state root after the block
     * @param txCount number of transactions
     * @param time commit time
     */
    record BlockSummary(long height, String hash, String previousHash, String txRoot,
            String stateRoot, int txCount, java.time.Instant time) {}

    /**
     * A network member.
     *
     * @param id node id
     * @param addresses advertised host:port addresses
     * @param zone placement zone
     * @param status membership status
     * @param capacityBytes declared capacity in bytes
     * @param freeBytes last reported free space in bytes
     * @param certSerial serial of the node's Falcon certificate
     * @param liveness how recently the answering node heard from this one ({@link Liveness#SELF} for itself)
     * @param rttMicros round-trip time the answering node measured to it (a moving average), null until measured
     * @param throughputBytesPerSecond shard transfer rate from it (a moving average), 0 until measured
     * @param lastHeard when the answering node last heard from it, null if never (and for itself)
     * @param audits what the answering node's shard audits of it found, null when it sent none
     */
    record NodeInfo(String id, List<String> addresses, String zone, NodeStatus status,
            long capacityBytes, long freeBytes, String certSerial, Liveness liveness, @Nullable Long rttMicros,
            long throughputBytesPerSecond, @Nullable java.time.Instant lastHeard, @Nullable AuditSummary audits) {
        public NodeInfo {
            addresses = List.copyOf(addresses);
            java.util.Objects.requireNonNull(liveness, "liveness");
        }

        /** A member without audit results. */
        public NodeInfo(String id, List<String> addresses, String zone, NodeStatus status,
                long capacityBytes, long freeBytes, String certSerial, Liveness liveness, @Nullable Long rttMicros,
                long throughputBytesPerSecond, @Nullable java.time.Instant lastHeard) {
            this(id, addresses, zone, status, capacityBytes, freeBytes, certSerial, liveness, rttMicros, throughputBytesPerSecond,
                    lastHeard, null);
        }

        /** The same member with {@code audits}. */
        public NodeInfo withAudits(@Nullable AuditSummary audits) {
            return new NodeInfo(id, addresses, zone, status, capacityBytes, freeBytes, certSerial, liveness, rttMicros,
                    throughputBytesPerSecond, lastHeard, audits);
        }

        /** The answering node itself: nothing measured. */
        public static NodeInfo self(String id, List<String> addresses, String zone, NodeStatus status,
                long capacityBytes, long freeBytes, String certSerial) {
            return new NodeInfo(id, addresses, zone, status, capacityBytes, freeBytes, certSerial, Liveness.SELF, null, 0, null);
        }
    }

    /**
     * The answering node's shard audits of a member (challenges to hash a random range of a shard
     * with a fresh nonce): each node reports only what it asked itself.
     *
     * @param passed challenges answered right
     * @param failed wrong digests, or the member said it lacks the shard or its copy is corrupt
     * @param missed challenges left unanswered (timeouts, broken streams)
     * @param lastAudit when the last challenge was sent
     * @param lastFailure why the last failed or missed one did, null if none did
     */
    record AuditSummary(long passed, long failed, long missed, java.time.Instant lastAudit, @Nullable String lastFailure) {}

    /**
     * How recently the answering node heard from a member over the peer transport (heartbeats,
     * gossip). Each node answers with what it measured itself, so two nodes may differ.
     */
    enum Liveness {
        /** The answering node itself. */
        SELF,
        /** Heard within the suspect window. */
        ALIVE,
        /** Silent longer than the suspect window, not yet the dead one. */
        SUSPECT,
        /** Silent longer than the dead window. */
        DEAD,
        /** Known only through gossip, never heard from directly. */
        UNKNOWN
    }

    /** Membership status of a node. */
    enum NodeStatus {
        /** Registered and heartbeating. */
        UP,
        /** Registered, heartbeat missed. */
        DOWN,
        /** Removed from the network; its certificate is on the revocation list. */
        REVOKED
    }
}
