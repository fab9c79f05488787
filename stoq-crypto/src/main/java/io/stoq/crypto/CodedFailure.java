package io.stoq.crypto;

/**
 * Implemented by every module's checked base exception (stoq-crypto is the module all others
 * depend on, so the contract lives here). The CLI maps any {@code CodedFailure} to a one-line
 * message and {@link #exitCode()}; the API maps it to a problem+json status. Callers branch on the
 * code, never on message text.
 */
public interface CodedFailure {
    /** The enum constant name of the failure code, e.g. {@code VERIFICATION_FAILED}. */
    String codeName();

    /** Process exit code for the CLI (never 0, 1 or 2: those belong to success, bugs and usage). */
    int exitCode();
}
