package io.stoq.crypto;

/**
 * Why a cryptographic operation failed. Each code maps to a CLI exit code so scripts can branch on
 * the class of failure without parsing messages.
 */
public enum CryptoErrorCode implements FailureCode {
    /** A signature, tag or hash did not verify: the data or key was tampered with or wrong. */
    VERIFICATION_FAILED(10),
    /** Input could not be parsed: bad PEM, bad DER, wrong length, unknown algorithm id. */
    MALFORMED_INPUT(11),
    /** A private key file is encrypted and the passphrase was missing or wrong. */
    BAD_PASSPHRASE(12),
    /** A file or directory that holds secrets is readable by others. */
    INSECURE_PERMISSIONS(13),
    /** A certificate, chain or CSR was refused by PKIX or STOQ profile rules. */
    CERTIFICATE_REJECTED(14),
    /** Reading or writing a key or certificate file failed. */
    IO_ERROR(15),
    /** The requested state is already there (a CA directory that is already initialised). */
    ALREADY_EXISTS(16),
    /** Something referred to does not exist (an unknown serial, a missing CA directory). */
    NOT_FOUND(17),
    /** The JVM or provider lacks an algorithm we need; not the caller's fault. */
    PROVIDER_FAILURE(70);

    private final int exitCode;

    CryptoErrorCode(int exitCode) {
        this.exitCode = exitCode;
    }

    /** Process exit code the CLI uses for this failure. */
    public int exitCode() {
        return exitCode;
    }
}
