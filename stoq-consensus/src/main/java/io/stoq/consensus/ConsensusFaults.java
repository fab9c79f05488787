package io.stoq.consensus;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Named fault-injection points on the Raft state machine's disk paths, off by default (the model
 * is Ratis's {@code CodeInjectionForTesting}; stoq-node has its own {@code FaultInjection} for
 * its paths). A test installs a {@link Fault} at a point to make that step fail as a full disk or
 * a crash would, then restarts the node and checks what it recovers to.
 *
 * <p>When nothing is installed, {@link #at} is one read of a volatile flag. Several replicas may
 * run in one JVM, so every point names the replica ({@code node}) passing it.
 *
 * <p>Thread-safe: a fault runs on the thread that reached the point (Ratis's apply thread).
 */
public final class ConsensusFaults {
    /** Before a replica appends a committed block to its ledger ({@code value}: the block's height). */
    public static final String APPLY = "raft.apply";
    /** Snapshot install: Ratis placed the snapshot in the state machine directory; the ledger is not touched yet. */
    public static final String INSTALL_BEGIN = "raft.install.begin";
    /** Snapshot install: the snapshot's files are copied into the staging directory, nothing else moved yet. */
    public static final String INSTALL_STAGED = "raft.install.staged";
    /** Snapshot install: the old ledger directory was moved aside, the staged one is not in place yet. */
    public static final String INSTALL_OLD_MOVED = "raft.install.old-moved";
    /** Snapshot install: the staged ledger is in place, the old one not deleted yet. */
    public static final String INSTALL_SWAPPED = "raft.install.swapped";

    /** What runs at a point: throws to fail the step (an {@link IOException} as a disk would). */
    @FunctionalInterface
    public interface Fault {
        void fire(String node, long value) throws IOException;
    }

    private static final Map<String, Fault> FAULTS = new ConcurrentHashMap<>();
    private static volatile boolean any;

    private ConsensusFaults() {}

    static void at(String point, String node, long value) throws IOException {
        if (!any) {
            return;
        }
        Fault f = FAULTS.get(point);
        if (f != null) {
            f.fire(node, value);
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
