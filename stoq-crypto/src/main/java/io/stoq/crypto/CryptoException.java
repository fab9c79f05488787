package io.stoq.crypto;

/** Checked failure of any stoq-crypto operation; {@link #code()} says what kind. */
public class CryptoException extends CodedException {
    private static final long serialVersionUID = 1L;

    public CryptoException(CryptoErrorCode code, String message) {
        super(code, message);
    }

    public CryptoException(CryptoErrorCode code, String message, Throwable cause) {
        super(code, message, cause);
    }

    public CryptoErrorCode code() {
        return (CryptoErrorCode) failureCode();
    }
}
