package io.stoq.net.handshake;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.ca.NodeCertificateValidator;
import io.stoq.crypto.ca.NodeIdentity;
import io.stoq.crypto.hash.Hash256;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import io.stoq.net.RevocationSource;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * The checks one side runs on the other's handshake messages, each refusal with its own code
 * (the QUIC close code the peer sees and the metric label here):
 *
 * <ol>
 *   <li>the HELLO names this network, else {@code WRONG_NETWORK};
 *   <li>the chain leads to this network's root and keeps every profile rule at the current time,
 *       else {@code CERT_EXPIRED} when time is the only fault, {@code CHAIN_REJECTED} otherwise
 *       (another CA, forged, wrong key usage, not a node certificate);
 *   <li>neither the node certificate nor its issuer is revoked, else {@code REVOKED};
 *   <li>the certificate binds the TLS key the QUIC handshake used, else {@code TLS_KEY_MISMATCH};
 *   <li>the PROOF verifies under the certificate's Falcon key over this connection's transcript,
 *       else {@code BAD_SIGNATURE} (a replay from another session has other nonces).
 * </ol>
 *
 * <p>Stateless and thread-safe; the revocation source is asked at each call.
 */
public final class PeerVerifier {
    private final X509Certificate root;
    private final Hash256 networkId;
    private final RevocationSource revocations;
    private final Clock clock;

    public PeerVerifier(X509Certificate root, Hash256 networkId, RevocationSource revocations, Clock clock) {
        this.root = root;
        this.networkId = networkId;
        this.revocations = revocations;
        this.clock = clock;
    }

    public Hash256 networkId() {
        return networkId;
    }

    /** The revocations this verifier asks (for transports that re-check peers already admitted). */
    public RevocationSource revocations() {
        return revocations;
    }

    /** Checks 1 to 4 and returns the identity the chain proves. */
    public NodeIdentity checkHello(Hello hello, PublicKey sessionTlsKey) throws NetException {
        if (!hello.networkId().equals(networkId)) {
            throw new NetException(NetErrorCode.WRONG_NETWORK, "the peer belongs to network " + hello.networkId().toHex().substring(0, 16)
                    + "..., not this one (" + networkId.toHex().substring(0, 16) + "...)");
        }
        NodeIdentity identity = checkChain(hello.chain());
        try {
            NodeCertificateValidator.requireTlsKey(identity, sessionTlsKey);
        } catch (CryptoException e) {
            throw new NetException(NetErrorCode.TLS_KEY_MISMATCH, e.getMessage(), e);
        }
        return identity;
    }

    /** Check 5: {@code signature} is {@code peer}'s Falcon signature of {@code transcript}. */
    public void checkProof(NodeIdentity peer, byte[] transcript, byte[] signature) throws NetException {
        if (!peer.falconKey().verify(transcript, signature)) {
            throw new NetException(NetErrorCode.BAD_SIGNATURE, "node " + peer.nodeId()
                    + "'s handshake signature does not verify over this connection's transcript (replayed or forged)");
        }
    }

    /**
     * Checks 2 and 3 alone, for anything signed by a node (gossiped node records): the chain
     * leads to this network's root, is valid now, and nothing in it is revoked.
     */
    public NodeIdentity checkChain(List<X509Certificate> chain) throws NetException {
        NodeIdentity identity = validChain(chain);
        for (X509Certificate cert : chain) {
            if (!cert.equals(root) && revocations.isRevoked(cert.getSerialNumber())) {
                throw new NetException(NetErrorCode.REVOKED, "the certificate of " + identity.nodeId() + " (serial "
                        + cert.getSerialNumber().toString(16) + ") is revoked");
            }
        }
        return identity;
    }

    private NodeIdentity validChain(List<X509Certificate> chain) throws NetException {
        Instant now = clock.instant();
        if (chain.isEmpty()) {
            throw new NetException(NetErrorCode.CHAIN_REJECTED, "no certificate chain");
        }
        try {
            return NodeCertificateValidator.validate(chain, root, now, Set.of());
        } catch (CryptoException e) {
            X509Certificate leaf = chain.get(0);
            if (outsideValidity(leaf, now) && validAtSomeTime(chain, leaf)) {
                throw new NetException(NetErrorCode.CERT_EXPIRED, "the certificate of "
                        + leaf.getSubjectX500Principal().getName() + " is valid from " + leaf.getNotBefore().toInstant()
                        + " to " + leaf.getNotAfter().toInstant() + ", not at " + now, e);
            }
            throw new NetException(NetErrorCode.CHAIN_REJECTED, e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new NetException(NetErrorCode.CHAIN_REJECTED, "the certificate chain cannot be read: " + e.getMessage(), e);
        }
    }

    private static boolean outsideValidity(X509Certificate leaf, Instant now) {
        return now.isBefore(leaf.getNotBefore().toInstant()) || now.isAfter(leaf.getNotAfter().toInstant());
    }

    /** True when the chain would pass at the last instant of the leaf's validity: time is its only fault. */
    private boolean validAtSomeTime(List<X509Certificate> chain, X509Certificate leaf) {
        try {
            NodeCertificateValidator.validate(chain, root, leaf.getNotAfter().toInstant(), Set.of());
            return true;
        } catch (CryptoException e) {
            return false;
        }
    }
}
