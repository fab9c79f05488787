package io.stoq.net.discovery;

import io.stoq.crypto.ca.NodeIdentity;
import io.stoq.net.NetException;
import io.stoq.net.handshake.PeerVerifier;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The node records this node keeps: only records that verify (certified by the network CA, not
 * revoked, signed by their node), the newest per node (highest sequence), at most
 * {@code maxRecords} nodes. A record for a new node when the table is full is refused, never
 * traded for a known one: the membership cannot be flushed by someone minting records. Revoked
 * and expired nodes are dropped.
 *
 * <p>Thread-safe: one monitor; verification (the costly part) runs before taking it.
 */
public final class Membership {
    /** What {@link #offer} did with a record. */
    public enum Outcome {
        /** A node not known before. */
        ADDED,
        /** A newer record for a known node. */
        UPDATED,
        /** Not newer than the record held. */
        STALE,
        /** The table is full and the node is new. */
        FULL
    }

    /** A verified record and the identity its chain proves. */
    public record Member(SignedNodeRecord signed, NodeIdentity identity) {
        public NodeRecord record() {
            return signed.record();
        }
    }

    private final PeerVerifier verifier;
    private final int maxRecords;
    private final Map<String, Member> members = new LinkedHashMap<>();

    public Membership(PeerVerifier verifier, int maxRecords) {
        this.verifier = verifier;
        this.maxRecords = maxRecords;
    }

    /** Verifies and keeps {@code signed} if it is the newest for its node; a failed check throws with its code. */
    public Outcome offer(SignedNodeRecord signed) throws NetException {
        NodeIdentity identity = signed.verify(verifier);
        synchronized (this) {
            Member held = members.get(identity.nodeId());
            if (held == null && members.size() >= maxRecords) {
                return Outcome.FULL;
            }
            if (held != null && held.record().sequence() >= signed.record().sequence()) {
                return Outcome.STALE;
            }
            members.put(identity.nodeId(), new Member(signed, identity));
            return held == null ? Outcome.ADDED : Outcome.UPDATED;
        }
    }

    public synchronized Optional<Member> get(String nodeId) {
        return Optional.ofNullable(members.get(nodeId));
    }

    public synchronized List<Member> members() {
        return new ArrayList<>(members.values());
    }

    public synchronized int size() {
        return members.size();
    }

    /** The sequence held per node: what a gossip request tells the peer it already has. */
    public synchronized Map<String, Long> digest() {
        Map<String, Long> out = new LinkedHashMap<>();
        members.forEach((id, m) -> out.put(id, m.record().sequence()));
        return out;
    }

    /** Drops the node whose chain holds {@code serial}. */
    public synchronized void revoked(BigInteger serial) {
        members.values().removeIf(m -> m.record().serial().equals(serial)
                || m.signed().chain().stream().anyMatch(c -> c.getSerialNumber().equals(serial)));
    }

    /** Drops nodes whose certificate has expired at {@code now}. */
    public synchronized void sweep(Instant now) {
        members.values().removeIf(m -> m.identity().notAfter().isBefore(now));
    }
}
