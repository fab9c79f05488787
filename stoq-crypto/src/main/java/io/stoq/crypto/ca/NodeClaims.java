package io.stoq.crypto.ca;

import io.stoq.crypto.CryptoErrorCode;
import io.stoq.crypto.CryptoException;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import java.security.PublicKey;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a node asks the CA to certify and what its certificate then carries in the
 * {@link NodeIdentityExtension}: its id, zone and roles, and the SHA3-256 fingerprints of its
 * classical TLS key (QUIC's TLS cannot carry Falcon, so the Falcon cert vouches for the TLS key)
 * and of its ML-KEM key (so data-key epochs can be wrapped to it), and of its SLH-DSA key (so
 * anyone holding the node's certificate can check the manifests it signs).
 *
 * <p>{@code slhDsaKeyHash} is empty only in claims without an SLH-DSA key: certificates issued
 * before nodes had one (identity extension version 1), which a node can no longer start with, and
 * tools that need no manifest signer (ledger tests and benchmarks).
 */
public record NodeClaims(String nodeId, String zone, Set<NodeRole> roles, Hash256 tlsKeyHash, Hash256 kemKeyHash,
        Optional<Hash256> slhDsaKeyHash) {
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    public NodeClaims {
        roles = Collections.unmodifiableSet(roles.isEmpty() ? EnumSet.noneOf(NodeRole.class) : EnumSet.copyOf(roles));
        slhDsaKeyHash = slhDsaKeyHash == null ? Optional.empty() : slhDsaKeyHash;
    }

    /** Builds claims from the node's keys: the hashes are SHA3-256 over each key's DER SubjectPublicKeyInfo. */
    public static NodeClaims of(String nodeId, String zone, Set<NodeRole> roles, PublicKey tlsKey, PublicKey kemKey,
            PublicKey slhDsaKey) throws CryptoException {
        NodeClaims claims = new NodeClaims(nodeId, zone, roles, keyHash(tlsKey), keyHash(kemKey), Optional.of(keyHash(slhDsaKey)));
        claims.validate();
        return claims;
    }

    /**
     * Claims without an SLH-DSA manifest key, for tools that never sign manifests (ledger tests and
     * benchmarks). A node cannot start with a certificate made from these.
     */
    public static NodeClaims of(String nodeId, String zone, Set<NodeRole> roles, PublicKey tlsKey, PublicKey kemKey)
            throws CryptoException {
        NodeClaims claims = new NodeClaims(nodeId, zone, roles, keyHash(tlsKey), keyHash(kemKey), Optional.empty());
        claims.validate();
        return claims;
    }

    /** The fingerprint stoq binds keys by: SHA3-256 of the DER SubjectPublicKeyInfo. */
    public static Hash256 keyHash(PublicKey key) {
        return Sha3.hash(key.getEncoded());
    }

    /** Checks the claims against the profile: DNS-label ids and zones, at least one role. */
    public void validate() throws CryptoException {
        if (nodeId == null || !NAME.matcher(nodeId).matches()) {
            throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT,
                    "node id '" + nodeId + "' is invalid: use 1-63 lower-case letters, digits and inner hyphens");
        }
        if (zone == null || !NAME.matcher(zone).matches()) {
            throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT,
                    "zone '" + zone + "' is invalid: use 1-63 lower-case letters, digits and inner hyphens");
        }
        if (roles.isEmpty()) {
            throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT, "node " + nodeId + " claims no role");
        }
        if (tlsKeyHash == null || kemKeyHash == null) {
            throw new CryptoException(CryptoErrorCode.MALFORMED_INPUT, "node " + nodeId + " claims lack a key hash");
        }
    }
}
