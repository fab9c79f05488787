package io.stoq.crypto.ca;

import java.math.BigInteger;
import java.time.Instant;
import java.util.Set;

/** One entry of the CA's issuance record, with its status at the time it was listed. */
public record IssuedCertificate(
        BigInteger serial,
        String nodeId,
        String zone,
        Set<NodeRole> roles,
        Instant notBefore,
        Instant notAfter,
        Status status,
        CertificateIssuer.Revocation revocation) {

    public IssuedCertificate {
        roles = Set.copyOf(roles);
    }

    /** Serial as lower-case hex, the form every CLI command shows and accepts. */
    public String serialHex() {
        return serial.toString(16);
    }

    public enum Status { VALID, EXPIRED, REVOKED }
}
