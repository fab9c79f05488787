package io.stoq.fragmint.conditional;

import static io.stoq.fragmint.conditional.Preconditions.Decision.NOT_MODIFIED;
import static io.stoq.fragmint.conditional.Preconditions.Decision.PRECONDITION_FAILED;
import static io.stoq.fragmint.conditional.Preconditions.Decision.PROCEED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.fragmint.conditional.Preconditions.Request;
import io.stoq.fragmint.conditional.Preconditions.Validators;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The evaluation order and comparison rules of RFC 9110 sections 8.8.3, 13.1 and 13.2.2. */
class PreconditionsTest {
    static final Instant MODIFIED = Instant.parse("2026-03-04T05:06:07.890Z");
    static final String AT = "Wed, 04 Mar 2026 05:06:07 GMT";
    static final String BEFORE = "Wed, 04 Mar 2026 05:06:06 GMT";
    static final String AFTER = "Wed, 04 Mar 2026 05:06:08 GMT";
    static final Validators CURRENT = Validators.of(MODIFIED, EntityTag.strong("v3"), EntityTag.strong("v3-m"));

    static Request ifMatch(String v) {
        return new Request(v, null, null, null);
    }

    static Request ifNoneMatch(String v) {
        return new Request(null, v, null, null);
    }

    @Test
    void entityTagsParseAsListsAndRefuseWhatIsNotOne() {
        assertThat(EntityTag.parseCondition(" * ")).isInstanceOf(EntityTag.Condition.Any.class);
        assertThat(((EntityTag.Condition.Tags) EntityTag.parseCondition("\"a\", W/\"b\" ,,\"\"")).tags())
                .containsExactly(EntityTag.strong("a"), new EntityTag("b", true), EntityTag.strong(""));
        for (String bad : new String[] {"v3", "\"a\" \"b\"", "\"open", "W/x", "", " , ", "\"a\",*", "\"a\u0001\""}) {
            assertThatThrownBy(() -> EntityTag.parseCondition(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(new EntityTag("x", true).header()).isEqualTo("W/\"x\"");
    }

    @Test
    void strongAndWeakComparisonAsTheRfcTable() {
        // RFC 9110 8.8.3.2's example table
        EntityTag w1 = new EntityTag("1", true);
        EntityTag w2 = new EntityTag("2", true);
        EntityTag s1 = EntityTag.strong("1");
        assertThat(w1.strongMatch(w1)).isFalse();
        assertThat(w1.weakMatch(w1)).isTrue();
        assertThat(w1.weakMatch(w2)).isFalse();
        assertThat(w1.strongMatch(s1)).isFalse();
        assertThat(w1.weakMatch(s1)).isTrue();
        assertThat(s1.strongMatch(s1)).isTrue();
    }

    @Test
    void ifMatchNeedsAStrongMatchOfAnyCurrentTag() {
        assertThat(Preconditions.evaluate("PUT", ifMatch("\"v3\""), CURRENT)).isEqualTo(PROCEED);
        assertThat(Preconditions.evaluate("PUT", ifMatch("\"v2\", \"v3-m\""), CURRENT)).isEqualTo(PROCEED);
        assertThat(Preconditions.evaluate("PUT", ifMatch("\"v2\""), CURRENT)).isEqualTo(PRECONDITION_FAILED);
        assertThat(Preconditions.evaluate("PUT", ifMatch("W/\"v3\""), CURRENT)).as("weak never matches If-Match")
                .isEqualTo(PRECONDITION_FAILED);
        assertThat(Preconditions.evaluate("PUT", ifMatch("*"), CURRENT)).isEqualTo(PROCEED);
        assertThat(Preconditions.evaluate("PUT", ifMatch("*"), Validators.missing())).isEqualTo(PRECONDITION_FAILED);
        assertThat(Preconditions.evaluate("GET", ifMatch("\"v2\""), CURRENT)).as("also on GET").isEqualTo(PRECONDITION_FAILED);
    }

    @Test
    void ifNoneMatchIsAWeakMatchAnswered304OnReadsAnd412OnWrites() {
        assertThat(Preconditions.evaluate("GET", ifNoneMatch("W/\"v3\""), CURRENT)).isEqualTo(NOT_MODIFIED);
        assertThat(Preconditions.evaluate("HEAD", ifNoneMatch("\"v1\", \"v3\""), CURRENT)).isEqualTo(NOT_MODIFIED);
        assertThat(Preconditions.evaluate("GET", ifNoneMatch("\"v2\""), CURRENT)).isEqualTo(PROCEED);
        assertThat(Preconditions.evaluate("PUT", ifNoneMatch("*"), CURRENT)).isEqualTo(PRECONDITION_FAILED);
        assertThat(Preconditions.evaluate("PUT", ifNoneMatch("*"), Validators.missing())).isEqualTo(PROCEED);
        assertThat(Preconditions.evaluate("DELETE", ifNoneMatch("\"v3\""), CURRENT)).isEqualTo(PRECONDITION_FAILED);
    }

    @Test
    void datesAreSecondsAndBadDatesAreIgnored() {
        assertThat(Preconditions.evaluate("GET", new Request(null, null, AT, null), CURRENT)).isEqualTo(NOT_MODIFIED);
        assertThat(Preconditions.evaluate("GET", new Request(null, null, AFTER, null), CURRENT)).isEqualTo(NOT_MODIFIED);
        assertThat(Preconditions.evaluate("GET", new Request(null, null, BEFORE, null), CURRENT)).isEqualTo(PROCEED);
        assertThat(Preconditions.evaluate("PUT", new Request(null, null, AFTER, null), CURRENT))
                .as("If-Modified-Since is for GET and HEAD only").isEqualTo(PROCEED);
        assertThat(Preconditions.evaluate("GET", new Request(null, null, "yesterday", null), CURRENT)).isEqualTo(PROCEED);
        assertThat(Preconditions.evaluate("PUT", new Request(null, null, null, AT), CURRENT)).isEqualTo(PROCEED);
        assertThat(Preconditions.evaluate("PUT", new Request(null, null, null, BEFORE), CURRENT)).isEqualTo(PRECONDITION_FAILED);
        assertThat(Preconditions.evaluate("PUT", new Request(null, null, null, "garbage"), CURRENT)).isEqualTo(PROCEED);
        assertThat(Preconditions.httpDate(MODIFIED)).isEqualTo(AT);
        assertThat(Preconditions.httpDate(Instant.parse("2026-01-02T03:04:05Z"))).isEqualTo("Fri, 02 Jan 2026 03:04:05 GMT");
    }

    @Test
    void theOrderOfRfc9110Section13_2_2() {
        // step 1 before step 3: a failing If-Match wins over a matching If-None-Match
        assertThat(Preconditions.evaluate("GET", new Request("\"v2\"", "\"v3\"", null, null), CURRENT)).isEqualTo(PRECONDITION_FAILED);
        // If-Match present: If-Unmodified-Since is not evaluated
        assertThat(Preconditions.evaluate("PUT", new Request("\"v3\"", null, null, BEFORE), CURRENT)).isEqualTo(PROCEED);
        // If-None-Match present: If-Modified-Since is not evaluated
        assertThat(Preconditions.evaluate("GET", new Request(null, "\"v2\"", AFTER, null), CURRENT)).isEqualTo(PROCEED);
        // step 2 before step 3
        assertThat(Preconditions.evaluate("GET", new Request(null, "\"v3\"", null, BEFORE), CURRENT)).isEqualTo(PRECONDITION_FAILED);
        assertThat(Preconditions.evaluate("GET", Request.NONE, CURRENT)).isEqualTo(PROCEED);
    }

    @Test
    void ifRangeNeedsAStrongTagOrTheExactDate() {
        assertThat(Preconditions.rangeApplies(null, CURRENT)).isTrue();
        assertThat(Preconditions.rangeApplies("\"v3\"", CURRENT)).isTrue();
        assertThat(Preconditions.rangeApplies("\"v2\"", CURRENT)).isFalse();
        assertThat(Preconditions.rangeApplies("W/\"v3\"", CURRENT)).isFalse();
        assertThat(Preconditions.rangeApplies(AT, CURRENT)).isTrue();
        assertThat(Preconditions.rangeApplies(AFTER, CURRENT)).isFalse();
        assertThat(Preconditions.rangeApplies("\"unterminated", CURRENT)).isFalse();
        assertThat(Preconditions.rangeApplies("not a date", CURRENT)).isFalse();
        assertThat(Preconditions.rangeApplies("\"v3\"", new Validators(List.of(), MODIFIED, true))).isFalse();
    }
}
