package io.stoq.net;

import java.math.BigInteger;
import java.util.function.Consumer;

/**
 * Which node certificates are revoked, as the transport asks it: at every handshake
 * ({@link #isRevoked}) and, for live connections, as revocations happen ({@link #subscribe}).
 * The node feeds it from the ledger's revocation list; {@link Revocations} is the implementation
 * that also accepts the CA's signed CRL.
 */
public interface RevocationSource {
    /** True when the certificate with this serial must be refused. */
    boolean isRevoked(BigInteger serial);

    /**
     * Calls {@code listener} with each serial revoked from now on (on the thread that reported the
     * revocation; it must not block). Closing the returned handle stops the calls.
     */
    AutoCloseable subscribe(Consumer<BigInteger> listener);
}
