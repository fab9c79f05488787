package io.stoq.crypto.ca;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.sign.VerifyingKey;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * A node identity proven by a validated certificate chain: the certified claims plus the
 * certificate's serial, the node's Falcon public key and the end of its validity.
 * {@code slhDsaKeyHash} is empty for certificates issued before nodes had an SLH-DSA manifest key.
 */
public record NodeIdentity(
        String nodeId,
        String zone,
        Set<NodeRole> roles,
        Hash256 tlsKeyHash,
        Hash256 kemKeyHash,
        BigInteger serial,
        VerifyingKey falconKey,
        Instant notAfter,
        Optional<Hash256> slhDsaKeyHash) {

    public NodeIdentity {
        roles = Set.copyOf(roles);
        slhDsaKeyHash = slhDsaKeyHash == null ? Optional.empty() : slhDsaKeyHash;
    }

    public NodeClaims claims() {
        return new NodeClaims(nodeId, zone, roles, tlsKeyHash, kemKeyHash, slhDsaKeyHash);
    }
}
