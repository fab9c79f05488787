package io.stoq.crypto;

/**
 * Implemented by every module's error-code enum, so one base class ({@link CodedException}) can
 * carry any of them; the enum gives {@link #name()} for free.
 */
public interface FailureCode {
    /** The enum constant name, e.g. {@code VERIFICATION_FAILED}. */
    String name();

    /** Process exit code for the CLI (never 0, 1 or 2: those belong to success, bugs and usage). */
    int exitCode();
}
