package io.stoq.net;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.ca.NodeCertificateValidator;
import io.stoq.crypto.ca.NodeIdentity;
import io.stoq.crypto.ca.NodeKeys;
import io.stoq.crypto.hash.Hash256;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * Identities a real node must refuse, for tests outside this module (stoq-node's cluster tests,
 * through stoq-net's test-jar). {@link LocalIdentity#of} refuses to build them, which is right for
 * a node and why tests need this door: it skips only the start-up check that the keys are the
 * ones the certificate binds. The chain itself is still checked against {@code root} here, so a
 * test cannot build an impostor out of a chain that would fail for another reason first.
 */
public final class Impostors {
    private Impostors() {}

    /**
     * A process holding a genuine certificate of this network's CA ({@code chain}) and
     * {@code falcon}'s key, but presenting {@code tls} in QUIC (and in Raft's TLS): a TLS key its
     * Falcon certificate does not bind, or a stolen one with a Falcon key that is not the
     * certificate's.
     */
    public static LocalIdentity withKeys(NodeKeys falcon, KeyPair tls, List<X509Certificate> chain, X509Certificate root,
            Hash256 networkId) throws CryptoException {
        NodeIdentity id = NodeCertificateValidator.validate(chain, root, Instant.now(), Set.of());
        return LocalIdentity.unchecked(falcon.falcon(), tls, chain, root, networkId, id);
    }
}
