package io.stoq.ledger.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link ThreadCpu}: per-thread CPU from /proc, grouped, and kept for threads that end inside a timed part. */
class ThreadCpuTest {
    @BeforeEach
    void linuxOnly() {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "per-thread CPU is read from /proc/self/task");
    }

    /** Keeps a core busy for {@code millis} of wall time on a thread named {@code name}; returns it started. */
    private static Thread burn(String name, long millis) {
        Thread t = new Thread(() -> {
            long end = System.nanoTime() + millis * 1_000_000;
            long x = 0;
            while (System.nanoTime() < end) {
                x += Long.numberOfTrailingZeros(x + System.nanoTime());
            }
            if (x == 42) {
                System.out.print("");
            }
        }, name);
        t.start();
        return t;
    }

    @Test
    void aBusyThreadsCpuLandsInItsGroup() throws Exception {
        ThreadCpu before = ThreadCpu.now();
        Thread t = burn("stoq-ledger-verify", 400);
        Thread.sleep(300);
        ThreadCpu after = ThreadCpu.now(); // taken while the thread still runs
        t.join();
        Map<String, Duration> split = after.since(before, ThreadCpu::ledgerGroup);
        // A sixth of its wall time even on a loaded machine; never more than it ran.
        assertThat(split.get("verifiers")).isBetween(Duration.ofMillis(50), Duration.ofMillis(400));
    }

    @Test
    void aThreadThatEndsInsideTheTimedPartStillCounts() throws Exception {
        Map<String, Duration> split;
        try (ThreadCpu.Recorder recorder = new ThreadCpu.Recorder(Duration.ofMillis(20))) {
            burn("stoq-ledger-block-writer", 400).join();
            Thread.sleep(100); // the thread is gone when the part ends: a snapshot now would not see it
            split = recorder.stop(ThreadCpu::ledgerGroup);
        }
        assertThat(split.get("block writer")).isGreaterThan(Duration.ofMillis(50));
        assertThat(new java.util.ArrayList<>(split.values())).isSortedAccordingTo(java.util.Comparator.reverseOrder()); // largest first
    }

    @Test
    void kernelThreadNamesMapToTheReportedGroups() {
        assertThat(ThreadCpu.ledgerGroup("stoq-ledger-ver")).isEqualTo("verifiers");
        assertThat(ThreadCpu.ledgerGroup("stoq-ledger-blo")).isEqualTo("block writer");
        assertThat(ThreadCpu.ledgerGroup("java")).isEqualTo("committer (main thread)");
        assertThat(ThreadCpu.ledgerGroup("rocksdb:high")).isEqualTo("RocksDB flush, compaction");
        assertThat(ThreadCpu.ledgerGroup("C2 CompilerThre")).isEqualTo("JIT");
        assertThat(ThreadCpu.ledgerGroup("GC Thread#1")).isEqualTo("GC");
        assertThat(ThreadCpu.ledgerGroup("ForkJoinPool.co")).isEqualTo("common pool");
        assertThat(ThreadCpu.ledgerGroup("Signal Dispatch")).isEqualTo("other");
    }
}
