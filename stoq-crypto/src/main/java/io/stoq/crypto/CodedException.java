package io.stoq.crypto;

/**
 * The shared body of every module's checked base exception (CryptoException, ShardException,
 * LedgerException, NodeException): it holds the module's error-code enum and answers
 * {@link CodedFailure} from it, so each module class is only its constructors and a typed
 * {@code code()}. Java forbids generic subclasses of Throwable, hence the narrowing cast in those
 * {@code code()} methods rather than a type parameter here.
 *
 * <p>Immutable; the message is one line meant for a human, callers branch on the code.
 */
public abstract class CodedException extends Exception implements CodedFailure {
    private static final long serialVersionUID = 1L;
    private final FailureCode failureCode;

    protected CodedException(FailureCode code, String message) {
        super(message);
        this.failureCode = code;
    }

    protected CodedException(FailureCode code, String message, Throwable cause) {
        super(message, cause);
        this.failureCode = code;
    }

    /** The module's code; subclasses narrow it to their enum in {@code code()}. */
    protected final FailureCode failureCode() {
        return failureCode;
    }

    @Override
    public final String codeName() {
        return failureCode.name();
    }

    @Override
    public final int exitCode() {
        return failureCode.exitCode();
    }
}
