package io.stoq.crypto;

/** Checked failure of any stoq-crypto operation; {@link #code()} says what kind. */
public class CryptoException extends Exception implements CodedFailure {
    private static final long serialVersionUID = 1L;
    private final CryptoErrorCode code;

    public CryptoException(CryptoErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public CryptoException(CryptoErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public CryptoErrorCode code() {
        return code;
    }

    @Override
    public String codeName() {
        return code.name();
    }

    @Override
    public int exitCode() {
        return code.exitCode();
    }
}
