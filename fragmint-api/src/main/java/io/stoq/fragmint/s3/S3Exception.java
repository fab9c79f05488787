package io.stoq.fragmint.s3;

/**
 * A request the gateway refuses, with the S3 error it answers. The message is one line for the
 * client, in its terms (which bucket, which key), never a class name or a stack trace.
 */
public final class S3Exception extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient S3Error error;

    public S3Exception(S3Error error, String message) {
        super(message);
        this.error = error;
    }

    public S3Exception(S3Error error, String message, Throwable cause) {
        super(message, cause);
        this.error = error;
    }

    public S3Error error() {
        return error;
    }
}
