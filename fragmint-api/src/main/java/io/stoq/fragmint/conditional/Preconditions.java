package io.stoq.fragmint.conditional;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Evaluates HTTP conditional request fields against a resource's current validators, in the
 * order RFC 9110 section 13.2.2 prescribes; protocol-neutral (headers in, decision out), so the
 * FragMint routes and the S3 gateway decide alike.
 *
 * <pre>
 *   1. If-Match present:             no current tag strongly matches      -> PRECONDITION_FAILED
 *   2. else If-Unmodified-Since:     modified after the date              -> PRECONDITION_FAILED
 *   3. If-None-Match present:        a current tag weakly matches         -> NOT_MODIFIED (GET/HEAD)
 *                                                                            PRECONDITION_FAILED (others)
 *   4. else If-Modified-Since (GET/HEAD only): not modified after the date -> NOT_MODIFIED
 *   5. otherwise                                                           -> PROCEED
 * </pre>
 *
 * A resource may have several current tags (a FragMint asset's content tag and metadata tag);
 * a condition matches when it matches any of them. Absent validators never match (a resource that
 * does not exist fails {@code If-Match: *} and passes {@code If-None-Match: *}). An unparseable
 * date is ignored, as the RFC requires; an unparseable entity-tag list is the caller's 400.
 * Dates compare at second precision (HTTP dates carry no more).
 */
public final class Preconditions {
    /** IMF-fixdate: two-digit day, English names, always GMT. */
    private static final DateTimeFormatter IMF_FIXDATE = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US);

    private Preconditions() {}

    /** The outcome of evaluating a request's preconditions. */
    public enum Decision {
        PROCEED,
        /** 304 Not Modified: the client's copy is current (GET and HEAD only). */
        NOT_MODIFIED,
        /** 412 Precondition Failed. */
        PRECONDITION_FAILED
    }

    /**
     * The conditional fields of one request, as sent (null when absent; several lines of a list
     * field joined with commas).
     */
    public record Request(String ifMatch, String ifNoneMatch, String ifModifiedSince, String ifUnmodifiedSince) {
        public static final Request NONE = new Request(null, null, null, null);

        /** Whether any of the four fields is present. */
        public boolean any() {
            return ifMatch != null || ifNoneMatch != null || ifModifiedSince != null || ifUnmodifiedSince != null;
        }
    }

    /**
     * The current validators of the target resource.
     *
     * @param tags its current entity tags (empty when it has none or does not exist)
     * @param lastModified when it last changed, or null
     * @param exists whether there is a current representation at all
     */
    public record Validators(List<EntityTag> tags, Instant lastModified, boolean exists) {
        public Validators {
            tags = List.copyOf(tags);
        }

        public static Validators of(Instant lastModified, EntityTag... tags) {
            return new Validators(List.of(tags), lastModified, true);
        }

        public static Validators missing() {
            return new Validators(List.of(), null, false);
        }
    }

    /**
     * Decides {@code request} for a {@code method} on a resource with {@code current} validators.
     *
     * @throws IllegalArgumentException when If-Match or If-None-Match is not a valid list
     */
    public static Decision evaluate(String method, Request request, Validators current) {
        boolean safe = method.equals("GET") || method.equals("HEAD");
        if (request.ifMatch() != null) {
            if (!matches(EntityTag.parseCondition(request.ifMatch()), current, true)) {
                return Decision.PRECONDITION_FAILED;
            }
        } else if (request.ifUnmodifiedSince() != null) {
            Optional<Instant> date = parseDate(request.ifUnmodifiedSince());
            if (date.isPresent() && current.lastModified() != null && seconds(current.lastModified()).isAfter(date.get())) {
                return Decision.PRECONDITION_FAILED;
            }
        }
        if (request.ifNoneMatch() != null) {
            if (matches(EntityTag.parseCondition(request.ifNoneMatch()), current, false)) {
                return safe ? Decision.NOT_MODIFIED : Decision.PRECONDITION_FAILED;
            }
        } else if (safe && request.ifModifiedSince() != null) {
            Optional<Instant> date = parseDate(request.ifModifiedSince());
            if (date.isPresent() && current.lastModified() != null && !seconds(current.lastModified()).isAfter(date.get())) {
                return Decision.NOT_MODIFIED;
            }
        }
        return Decision.PROCEED;
    }

    /**
     * RFC 9110 13.1.5: whether a Range request with this {@code If-Range} value gets its range
     * (true) or the whole representation (false). An entity tag must match strongly; a date must
     * equal the last modification exactly. A weak tag or an unparseable value never matches.
     */
    public static boolean rangeApplies(String ifRange, Validators current) {
        if (ifRange == null) {
            return true;
        }
        String v = ifRange.trim();
        if (v.startsWith("\"") || v.startsWith("W/")) {
            try {
                EntityTag tag = EntityTag.parse(v);
                return current.tags().stream().anyMatch(tag::strongMatch);
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
        Optional<Instant> date = parseDate(v);
        return date.isPresent() && current.lastModified() != null && seconds(current.lastModified()).equals(date.get());
    }

    /** The IMF-fixdate form of {@code t} (RFC 9110 5.6.7), for {@code Last-Modified}. */
    public static String httpDate(Instant t) {
        return IMF_FIXDATE.format(ZonedDateTime.ofInstant(seconds(t), ZoneOffset.UTC));
    }

    /** An HTTP date (IMF-fixdate; the obsolete forms are not accepted and count as invalid). */
    static Optional<Instant> parseDate(String value) {
        try {
            return Optional.of(ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME.withLocale(Locale.US))
                    .toInstant());
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private static boolean matches(EntityTag.Condition condition, Validators current, boolean strong) {
        if (condition instanceof EntityTag.Condition.Any) {
            return current.exists();
        }
        for (EntityTag wanted : ((EntityTag.Condition.Tags) condition).tags()) {
            for (EntityTag have : current.tags()) {
                if (strong ? wanted.strongMatch(have) : wanted.weakMatch(have)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static Instant seconds(Instant t) {
        return t.truncatedTo(ChronoUnit.SECONDS);
    }
}
