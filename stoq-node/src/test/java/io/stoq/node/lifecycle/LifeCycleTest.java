package io.stoq.node.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.node.NodeException;
import io.stoq.node.lifecycle.LifeCycle.State;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LifeCycleTest {
    @Test
    void normalPathAndIllegalMoves() throws Exception {
        LifeCycle lc = new LifeCycle("svc");
        assertThatThrownBy(lc::requireRunning).isInstanceOf(NodeException.class).hasMessageContaining("svc is new, not running");
        lc.transition(State.STARTING);
        assertThatThrownBy(() -> lc.transition(State.STARTING)).hasMessageContaining("cannot go from STARTING to STARTING");
        lc.transition(State.RUNNING);
        lc.requireRunning();
        assertThat(lc.beginClose()).isTrue();
        assertThat(lc.beginClose()).isFalse();
        lc.transition(State.CLOSED);
        assertThatThrownBy(() -> lc.transition(State.STARTING)).isInstanceOf(NodeException.class);
        assertThat(lc.state()).isEqualTo(State.CLOSED);
    }

    @Test
    void everyStateCanReachClosedExceptThroughForbiddenEdges() {
        for (State s : State.values()) {
            assertThat(s.canMoveTo(s)).as("self-loop on %s", s).isFalse();
        }
        assertThat(State.CLOSED.canMoveTo(State.NEW)).isFalse();
        assertThat(State.FAILED.canMoveTo(State.RUNNING)).isFalse();
        assertThat(State.NEW.canMoveTo(State.RUNNING)).isFalse();
    }

    @Test
    void onlyOneConcurrentCloserWins() throws Exception {
        LifeCycle lc = new LifeCycle("svc");
        lc.transition(State.STARTING);
        lc.transition(State.RUNNING);
        AtomicInteger winners = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        Thread[] threads = new Thread[8];
        for (int i = 0; i < threads.length; i++) {
            threads[i] = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (lc.beginClose()) {
                    winners.incrementAndGet();
                }
            });
            threads[i].start();
        }
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        assertThat(winners.get()).isEqualTo(1);
    }
}
