package io.stoq.crypto.ca;

import java.math.BigInteger;
import java.nio.file.Path;

/**
 * File layout of a CA directory. The whole directory is owner-only (0700); {@code private/}
 * holds the keys. The root key is only needed by {@code stoq ca init} (and future intermediate
 * renewal): move it offline after init.
 *
 * <pre>
 * ca/
 *   ca.properties            network name, algorithm ids, CRL number
 *   root.crt.pem             trust anchor: give this to every node and relying party
 *   intermediate.crt.pem     the online issuing CA
 *   crl.pem                  current signed revocation list
 *   revoked.properties       serial (hex) = epoch seconds,reason
 *   issued/SERIAL.crt.pem    every node certificate issued
 *   private/root.key.pem     Falcon-1024, move offline
 *   private/intermediate.key.pem  Falcon-512
 * </pre>
 */
record CaLayout(Path dir) {
    Path properties() { return dir.resolve("ca.properties"); }
    Path rootCert() { return dir.resolve("root.crt.pem"); }
    Path intermediateCert() { return dir.resolve("intermediate.crt.pem"); }
    Path crl() { return dir.resolve("crl.pem"); }
    Path revoked() { return dir.resolve("revoked.properties"); }
    Path issuedDir() { return dir.resolve("issued"); }
    Path issued(BigInteger serial) { return issuedDir().resolve(serial.toString(16) + ".crt.pem"); }
    Path privateDir() { return dir.resolve("private"); }
    Path rootKey() { return privateDir().resolve("root.key.pem"); }
    Path intermediateKey() { return privateDir().resolve("intermediate.key.pem"); }
    Path lock() { return dir.resolve(".lock"); }
}
