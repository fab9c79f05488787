package io.stoq.consensus;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.net.NetErrorCode;
import org.junit.jupiter.api.Test;

/** A peer hammering the Raft port with refused handshakes is counted every time but logged once per reason per interval. */
class RaftRefusalsTest {
    @Test
    void everyRefusalIsCountedButEachReasonIsLoggedOncePerInterval() {
        RaftRefusals r = new RaftRefusals();
        for (int i = 0; i < 1000; i++) {
            r.refused(NetErrorCode.REVOKED, "node n" + i + " is revoked");
            r.refused(NetErrorCode.CHAIN_REJECTED, "peer " + i + " from another CA");
        }
        assertThat(r.snapshot()).containsEntry(NetErrorCode.REVOKED, 1000L).containsEntry(NetErrorCode.CHAIN_REJECTED, 1000L)
                .hasSize(2);
        assertThat(r.logLines()).as("one line per reason within the interval, whatever the peers").isEqualTo(2);
    }
}
