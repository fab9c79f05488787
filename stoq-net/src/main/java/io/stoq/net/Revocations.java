package io.stoq.net;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.ca.NodeCertificateValidator;
import java.math.BigInteger;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A growing set of revoked serials that tells its subscribers about each new one. Revocation is
 * final: a serial never leaves the set. Fed by {@link #revoke} (the node's ledger revoke
 * transactions) or {@link #apply(X509CRL, X509Certificate, Instant)} (the CA's signed CRL, whose
 * signature and freshness are checked first).
 *
 * <p>Thread-safe. Listeners run on the thread that revokes, after the serial is in the set.
 */
public final class Revocations implements RevocationSource {
    private final Set<BigInteger> revoked = ConcurrentHashMap.newKeySet();
    private final List<Consumer<BigInteger>> listeners = new CopyOnWriteArrayList<>();

    @Override
    public boolean isRevoked(BigInteger serial) {
        return revoked.contains(serial);
    }

    @Override
    public AutoCloseable subscribe(Consumer<BigInteger> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /** Revokes {@code serial}; returns false if it already was. */
    public boolean revoke(BigInteger serial) {
        if (!revoked.add(serial)) {
            return false;
        }
        for (Consumer<BigInteger> l : listeners) {
            l.accept(serial);
        }
        return true;
    }

    /**
     * Adds every serial of a CRL signed by {@code issuer} (the network's intermediate) and current
     * at {@code now}; returns the serials that were new.
     */
    public List<BigInteger> apply(X509CRL crl, X509Certificate issuer, Instant now) throws CryptoException {
        List<BigInteger> added = new ArrayList<>();
        for (BigInteger serial : NodeCertificateValidator.revokedSerials(crl, issuer, now)) {
            if (revoke(serial)) {
                added.add(serial);
            }
        }
        return added;
    }

    /** The serials revoked so far. */
    public Set<BigInteger> snapshot() {
        return Set.copyOf(revoked);
    }
}
