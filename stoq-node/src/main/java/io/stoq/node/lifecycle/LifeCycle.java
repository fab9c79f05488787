package io.stoq.node.lifecycle;

import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The lifecycle of a long-lived service (the node, the API server, the shard store), checked on
 * every transition so that "started twice" or "used after close" is caught where it happens.
 *
 * <pre>
 *   NEW --> STARTING --> RUNNING --> CLOSING --> CLOSED
 *              |            |           ^
 *              +------------+--> FAILED-+
 * </pre>
 *
 * Thread-safe: the state is one atomic reference; a transition is a compare-and-set.
 */
public final class LifeCycle {
    /** States, each with the states it may move to. */
    public enum State {
        /** Constructed, nothing started. */
        NEW,
        /** Opening resources; not serving yet. */
        STARTING,
        /** Serving. */
        RUNNING,
        /** Start or run failed; must be closed. */
        FAILED,
        /** Releasing resources; refusing new work. */
        CLOSING,
        /** Everything released. Terminal. */
        CLOSED;

        private static final Map<State, Set<State>> NEXT = Map.of(
                NEW, EnumSet.of(STARTING, CLOSING),
                STARTING, EnumSet.of(RUNNING, FAILED, CLOSING),
                RUNNING, EnumSet.of(FAILED, CLOSING),
                FAILED, EnumSet.of(CLOSING),
                CLOSING, EnumSet.of(CLOSED),
                CLOSED, EnumSet.noneOf(State.class));

        public boolean canMoveTo(State next) {
            return NEXT.get(this).contains(next);
        }
    }

    private final String name;
    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);

    public LifeCycle(String name) {
        this.name = name;
    }

    public State state() {
        return state.get();
    }

    /** Moves to {@code next}; fails if that is not a legal move from the current state. */
    public void transition(State next) throws NodeException {
        while (true) {
            State current = state.get();
            if (!current.canMoveTo(next)) {
                throw new NodeException(NodeErrorCode.ILLEGAL_STATE, name + " cannot go from " + current + " to " + next);
            }
            if (state.compareAndSet(current, next)) {
                return;
            }
        }
    }

    /** Moves to {@code next} only if currently in {@code expected}; returns whether it did. */
    public boolean compareAndTransition(State expected, State next) {
        return expected.canMoveTo(next) && state.compareAndSet(expected, next);
    }

    /** Fails unless RUNNING: the guard at the top of every public operation of a service. */
    public void requireRunning() throws NodeException {
        State current = state.get();
        if (current != State.RUNNING) {
            throw new NodeException(NodeErrorCode.ILLEGAL_STATE, name + " is " + current.name().toLowerCase(java.util.Locale.ROOT) + ", not running");
        }
    }

    /**
     * Moves towards CLOSING from any state; returns false if closing already started (so close()
     * is idempotent and only the first caller releases resources).
     */
    public boolean beginClose() {
        while (true) {
            State current = state.get();
            if (current == State.CLOSING || current == State.CLOSED) {
                return false;
            }
            if (state.compareAndSet(current, State.CLOSING)) {
                return true;
            }
        }
    }

    @Override
    public String toString() {
        return name + ":" + state.get();
    }
}
