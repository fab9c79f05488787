package io.stoq.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The leak guard is not vacuous: a buffer dropped without release() is found. */
@ExtendWith(LeakGuard.class)
class LeakGuardTest {
    @Test
    void aDroppedBufferIsReported() {
        drop();
        assertThat(LeakGuard.collect()).isNotEmpty();
    }

    private static void drop() {
        PooledByteBufAllocator.DEFAULT.directBuffer(64).writeLong(1);
    }
}
