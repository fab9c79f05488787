package io.stoq.node.fault;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Named fault-injection points on the node's consensus and disk paths, off by default: tests
 * install a {@link Fault} at a point to stall or fail that step (a disk that hangs, a commit that
 * fails) instead of waiting for real time or real hardware to misbehave. The model is Ratis's
 * {@code CodeInjectionForTesting}.
 *
 * <p>When nothing is installed, {@link #at} is one read of a volatile flag. Production code never
 * installs anything; {@link #install} is public only because tests live in other packages.
 *
 * <p>Thread-safe: points may fire on any thread; a fault runs on the thread that reached the point.
 */
public final class FaultInjection {
    /** The ledger writer thread, after it took requests from its queue and before their block is committed. */
    public static final String LEDGER_BEFORE_COMMIT = "ledger.before-commit";
    /**
     * The ledger appender thread, before it writes a block the writer built; the context is the
     * block's height. A fault that throws stands for a failed synced write.
     */
    public static final String LEDGER_BEFORE_APPEND = "ledger.before-append";
    /**
     * A peer's {@code put-shard} on the receiving node, before its bytes are stored; the context is
     * a {@link ShardArrival} (a stall here longer than the sender's request timeout is a real
     * TIMEOUT for the sender).
     */
    public static final String SHARD_RECEIVED = "peer.shard-received";

    /** Which store a pushed shard is arriving at, and which shard. */
    public record ShardArrival(Object store, io.stoq.crypto.hash.Hash256 shard) {}

    /** What runs at a point: may block (a stalled disk) or throw an unchecked exception (a failing one). */
    @FunctionalInterface
    public interface Fault {
        void fire(Object context) throws InterruptedException;
    }

    private static final Map<String, Fault> FAULTS = new ConcurrentHashMap<>();
    private static volatile boolean any;

    private FaultInjection() {}

    /** Runs the fault installed at {@code point}, if any; {@code context} says what is passing (may be null). */
    public static void at(String point, Object context) throws InterruptedException {
        if (!any) {
            return;
        }
        Fault f = FAULTS.get(point);
        if (f != null) {
            f.fire(context);
        }
    }

    /** Installs {@code fault} at {@code point} until the returned handle is closed (tests only). */
    public static Installed install(String point, Fault fault) {
        FAULTS.put(point, fault);
        any = true;
        return () -> {
            FAULTS.remove(point, fault);
            any = !FAULTS.isEmpty();
        };
    }

    /** Removes an installed fault. */
    @FunctionalInterface
    public interface Installed extends AutoCloseable {
        @Override
        void close();
    }
}
