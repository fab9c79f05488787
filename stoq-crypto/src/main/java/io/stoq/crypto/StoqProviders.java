package io.stoq.crypto;

import java.security.Provider;
import java.security.Security;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * The one BouncyCastle provider instance every stoq component uses.
 *
 * <p>Algorithms are always requested from this provider by object, never by default lookup: on JDK
 * 25 the JDK's own ML-KEM and ML-DSA would otherwise win, and key objects from two providers do not
 * mix. The provider is also registered (at the end of the list) so that PKIX and PEM helpers that
 * look providers up by name find it.
 */
public final class StoqProviders {
    private static final Provider BC = register();

    private StoqProviders() {}

    private static Provider register() {
        Provider existing = Security.getProvider(BouncyCastleProvider.PROVIDER_NAME);
        if (existing != null) {
            return existing;
        }
        Provider bc = new BouncyCastleProvider();
        Security.addProvider(bc);
        return bc;
    }

    /** The BouncyCastle provider. */
    public static Provider bc() {
        return BC;
    }
}
