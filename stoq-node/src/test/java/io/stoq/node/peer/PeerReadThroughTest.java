package io.stoq.node.peer;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** How {@link PeerReadThrough} weighs RTT when it picks the peer to read a shard from. */
class PeerReadThroughTest {
    private static long rttClass(double millis, double nearestMillis) {
        return PeerReadThrough.rttClass(Duration.ofNanos((long) (millis * 1e6)), Duration.ofNanos((long) (nearestMillis * 1e6)));
    }

    @Test
    void peersOnEitherSideOfTenMillisecondsAreEquallyNear() {
        // A busy machine's heartbeat RTTs: 10 ms steps put these two in different classes, so
        // one took every tied read.
        assertThat(rttClass(9.9, 0.4)).isEqualTo(rttClass(10.1, 0.4)).isZero();
        assertThat(rttClass(20.4, 0.4)).isZero();
        assertThat(rttClass(0.4, 0.4)).isZero();
    }

    @Test
    void aPeerFartherThanTheMarginLosesTiesAndFartherStillLosesMore() {
        assertThat(rttClass(21, 0.4)).isEqualTo(1);
        assertThat(rttClass(60, 0.4)).isGreaterThan(rttClass(30, 0.4));
        assertThat(rttClass(150, 0.4)).isEqualTo(7);
    }

    @Test
    void theMarginGrowsWithTheNearestRtt() {
        // Between regions 80 against 140 ms is no real preference; 80 against 200 is.
        assertThat(rttClass(140, 80)).isZero();
        assertThat(rttClass(200, 80)).isPositive();
    }

    @Test
    void anUnknownRttComesLast() {
        assertThat(PeerReadThrough.rttClass(null, Duration.ofMillis(1))).isEqualTo(Long.MAX_VALUE);
        assertThat(PeerReadThrough.rttClass(Duration.ofMillis(1), null)).isEqualTo(Long.MAX_VALUE);
    }
}
