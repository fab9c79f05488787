package io.stoq.fragmint.port;

import io.stoq.crypto.CodedFailure;

/**
 * The one checked failure of fragmint-api and of every port call. Port implementations throw it
 * with the {@link ApiError} that says what went wrong; the message is a one-line, client-safe
 * explanation (it becomes the problem's {@code detail}), so it must never carry secrets or stack
 * details.
 */
public class ApiException extends Exception implements CodedFailure {
    private static final long serialVersionUID = 1L;
    private final ApiError error;

    public ApiException(ApiError error, String message) {
        super(message);
        this.error = error;
    }

    public ApiException(ApiError error, String message, Throwable cause) {
        super(message, cause);
        this.error = error;
    }

    public ApiError error() {
        return error;
    }

    @Override
    public String codeName() {
        return error.name();
    }

    @Override
    public int exitCode() {
        return error.exitCode();
    }

    public static ApiException notFound(String what) {
        return new ApiException(ApiError.NOT_FOUND, what + " not found");
    }

    public static ApiException badRequest(String message) {
        return new ApiException(ApiError.BAD_REQUEST, message);
    }
}
