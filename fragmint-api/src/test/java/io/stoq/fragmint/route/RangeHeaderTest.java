package io.stoq.fragmint.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.ByteRange;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class RangeHeaderTest {
    @Test
    void forms() throws Exception {
        assertThat(RangeHeader.resolve(null, 10)).isNull();
        assertThat(RangeHeader.resolve("bytes=0-0", 10)).isEqualTo(new ByteRange(0, 0));
        assertThat(RangeHeader.resolve("bytes=2-", 10)).isEqualTo(new ByteRange(2, 9));
        assertThat(RangeHeader.resolve("bytes=-3", 10)).isEqualTo(new ByteRange(7, 9));
        assertThat(RangeHeader.resolve("bytes=-30", 10)).isEqualTo(new ByteRange(0, 9));
        assertThat(RangeHeader.resolve("bytes=5-100", 10)).isEqualTo(new ByteRange(5, 9));
        assertThat(RangeHeader.resolve("Bytes=1-2", 10)).isEqualTo(new ByteRange(1, 2));
    }

    @Test
    void unsatisfiable() {
        for (String h : new String[] {"bytes=10-", "bytes=3-2", "bytes=-0", "bytes=a-b", "bytes=1-2,4-5", "lines=1-2",
                "bytes=", "bytes=-", "bytes=99999999999999999999-"}) {
            assertThatThrownBy(() -> RangeHeader.resolve(h, 10)).as(h).isInstanceOf(ApiException.class);
        }
        assertThatThrownBy(() -> RangeHeader.resolve("bytes=0-", 0)).isInstanceOf(ApiException.class);
    }

    @Property(tries = 300)
    void resolvedRangeAlwaysLiesInsideTheContent(@ForAll @LongRange(min = 1, max = 1L << 40) long size,
            @ForAll @LongRange(min = 0, max = 1L << 41) long a, @ForAll @LongRange(min = 0, max = 1L << 41) long b) {
        try {
            ByteRange r = RangeHeader.resolve("bytes=" + a + "-" + b, size);
            assertThat(r.first()).isEqualTo(a);
            assertThat(r.last()).isLessThan(size).isGreaterThanOrEqualTo(r.first());
        } catch (ApiException e) {
            assertThat(a >= size || b < a).isTrue();
        }
    }
}
