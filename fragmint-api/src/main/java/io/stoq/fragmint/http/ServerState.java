package io.stoq.fragmint.http;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * Lifecycle of the {@link ApiServer}, with its legal transitions checked on every change.
 *
 * <pre>
 *   NEW -> STARTING -> RUNNING -> STOPPING -> STOPPED
 *             |                      ^
 *             +------> FAILED -------+   (a failed start releases what it bound)
 * </pre>
 */
public enum ServerState {
    /** Built, nothing bound. */
    NEW,
    /** Binding ports. */
    STARTING,
    /** Serving. */
    RUNNING,
    /** Refusing new connections, finishing in-flight requests. */
    STOPPING,
    /** All ports and threads released. */
    STOPPED,
    /** Start failed; {@code close()} releases what was bound. */
    FAILED;

    private static final Map<ServerState, Set<ServerState>> NEXT = Map.of(
            NEW, EnumSet.of(STARTING, STOPPED),
            STARTING, EnumSet.of(RUNNING, FAILED),
            RUNNING, EnumSet.of(STOPPING),
            STOPPING, EnumSet.of(STOPPED),
            FAILED, EnumSet.of(STOPPING),
            STOPPED, EnumSet.noneOf(ServerState.class));

    /** Whether moving from this state to {@code next} is legal. */
    public boolean canMoveTo(ServerState next) {
        return NEXT.get(this).contains(next);
    }
}
