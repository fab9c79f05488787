package io.stoq.ledger.state;

import io.stoq.crypto.ca.NodeRole;
import io.stoq.crypto.hash.Hash256;
import io.stoq.ledger.tx.AssetPolicy;
import io.stoq.ledger.tx.Role;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/** Typed values kept in the ledger state (encoded by {@link LedgerState}). */
public final class StateRecords {
    private StateRecords() {}

    /** A registered account: its role and public key. */
    public record Account(Role role, byte[] spki) {}

    /** An asset's current head. {@code deleted} marks a tombstone; history stays in indexes and versions. */
    public record Asset(String name, long version, Hash256 manifestRoot, Hash256 creator, long supply, AssetPolicy policy,
            boolean deleted) {
        public Asset withVersion(long newVersion, Hash256 newRoot) {
            return new Asset(name, newVersion, newRoot, creator, supply, policy, deleted);
        }

        public Asset tombstoned() {
            return new Asset(name, version, manifestRoot, creator, supply, policy, true);
        }
    }

    /**
     * A registered node: its Falcon key, certificate serial and expiry, whether it is revoked, the
     * id of the NODE_REGISTER tx that carries its certificate chain (for proof bundles), and the
     * roles its certificate grants (only a {@link NodeRole#VOTER} may propose blocks).
     */
    public record Node(String nodeId, byte[] falconSpki, byte[] serial, Instant notAfter, boolean revoked, Hash256 registerTx,
            Set<NodeRole> roles) {
        public Node {
            roles = roles.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(roles));
        }

        public Node revoke() {
            return new Node(nodeId, falconSpki, serial, notAfter, true, registerTx, roles);
        }
    }

    /** The network's identity fixed at genesis. */
    public record Genesis(String network, byte[] rootCertDer) {}

    /** An S3 bucket: its name, its owner (account id), how many object keys are bound in it, and its block's time. */
    public record Bucket(String name, Hash256 owner, long objects, Instant created) {
        public Bucket withObjects(long n) {
            return new Bucket(name, owner, n, created);
        }
    }

    /** Where one object key of a bucket points: an asset version, with the gateway's opaque attributes. */
    public record ObjectName(Hash256 assetId, long version, byte[] attributes) {}
}
