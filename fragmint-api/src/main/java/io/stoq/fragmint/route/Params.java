package io.stoq.fragmint.route;

import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.PageRequest;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/** Typed reads of query parameters and ids, each failing with a one-line 400. */
final class Params {
    private static final Pattern ACCOUNT_ID = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    private Params() {}

    static OptionalLong optionalLong(Exchange ex, String name, long min) throws ApiException {
        Optional<String> v = ex.query(name);
        if (v.isEmpty()) {
            return OptionalLong.empty();
        }
        try {
            long n = Long.parseLong(v.get());
            if (n < min) {
                throw ApiException.badRequest("query parameter '" + name + "' must be >= " + min);
            }
            return OptionalLong.of(n);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("query parameter '" + name + "' must be an integer");
        }
    }

    static PageRequest page(Exchange ex) throws ApiException {
        OptionalLong limit = optionalLong(ex, "limit", 1);
        if (limit.isPresent() && limit.getAsLong() > PageRequest.MAX_LIMIT) {
            throw ApiException.badRequest("query parameter 'limit' must be 1.." + PageRequest.MAX_LIMIT);
        }
        return new PageRequest(ex.query("cursor").orElse(null),
                (int) limit.orElse(PageRequest.DEFAULT_LIMIT));
    }

    static Instant optionalInstant(Exchange ex, String name) throws ApiException {
        Optional<String> v = ex.query(name);
        if (v.isEmpty()) {
            return null;
        }
        try {
            return Instant.parse(v.get());
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest("query parameter '" + name + "' must be an ISO-8601 instant");
        }
    }

    static long pathLong(Exchange ex, String name) throws ApiException {
        try {
            long n = Long.parseLong(ex.pathParam(name));
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("'" + name + "' must be a non-negative integer");
        }
    }

    /** Validates an account id (in a body or path); 422 when malformed. */
    static String accountId(String id, String field) throws ApiException {
        if (id == null || !ACCOUNT_ID.matcher(id).matches()) {
            throw new ApiException(io.stoq.fragmint.port.ApiError.UNPROCESSABLE, "'" + field
                    + "' must be an account id: 1-64 of a-z 0-9 . _ - starting with a letter or digit");
        }
        return id;
    }
}
