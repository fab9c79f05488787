package io.stoq.ledger.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * CPU time of each thread of this process, native ones included (RocksDB's flush and compaction,
 * the collector, the JIT), read from {@code /proc/self/task} on Linux: what the process-wide CPU
 * time of a timed part cannot tell apart. Each thread's time is the scheduler's own count
 * ({@code schedstat}, nanoseconds). Where {@code /proc} cannot be read, a snapshot is empty and so
 * is every split taken from it.
 *
 * @param threads by kernel thread id: the thread's kernel name (at most 15 characters, so
 *     {@code stoq-ledger-verify} reads {@code stoq-ledger-ver}) and its CPU time so far
 */
public record ThreadCpu(Map<Integer, Sample> threads) {
    private static final Path TASKS = Path.of("/proc/self/task");

    /** One thread at one moment. */
    public record Sample(String name, long cpuNanos) {}

    /** Every thread of this process now; empty where {@code /proc/self/task} is not there. */
    public static ThreadCpu now() {
        Map<Integer, Sample> out = new HashMap<>();
        if (!Files.isDirectory(TASKS)) {
            return new ThreadCpu(Map.of());
        }
        try (Stream<Path> tasks = Files.list(TASKS)) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                Sample s = read(task);
                if (s != null) {
                    out.put(Integer.parseInt(task.getFileName().toString()), s);
                }
            }
        } catch (IOException e) {
            return new ThreadCpu(Map.of()); // the split is a diagnosis; without /proc there is none to give
        }
        return new ThreadCpu(Map.copyOf(out));
    }

    /** A thread that ended between the listing and the read is skipped (null). */
    private static Sample read(Path task) {
        try {
            String name = Files.readString(task.resolve("comm"), StandardCharsets.UTF_8).strip();
            String schedstat = Files.readString(task.resolve("schedstat"), StandardCharsets.US_ASCII).strip();
            return new Sample(name, Long.parseLong(schedstat.split(" ")[0]));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * CPU spent by each group of threads since {@code before}, largest first; {@code group} names a
     * thread's group from its kernel name. A thread that ended in between is not counted (its
     * time went with it); one started in between counts from zero.
     */
    public Map<String, Duration> since(ThreadCpu before, Function<String, String> group) {
        Map<String, Long> sums = new HashMap<>();
        threads.forEach((tid, now) -> {
            Sample then = before.threads().get(tid);
            long spent = now.cpuNanos() - (then == null || !then.name().equals(now.name()) ? 0 : then.cpuNanos());
            if (spent > 0) {
                sums.merge(group.apply(now.name()), spent, Long::sum);
            }
        });
        Map<String, Duration> out = new LinkedHashMap<>();
        sums.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> out.put(e.getKey(), Duration.ofNanos(e.getValue())));
        return out;
    }

    /**
     * Records the threads' CPU over a timed part: a snapshot at the start, one every
     * {@code interval} on a daemon thread of its own ({@code stoq-cpu-sampler}, counted under
     * "other"), one at {@link #stop}. Each thread keeps the last value seen, so a thread that ends
     * inside the part (the ledger's block writer lives as long as one {@code commitAll}) counts up
     * to the last poll before its end.
     */
    public static final class Recorder implements AutoCloseable {
        private final ThreadCpu start = now();
        private final Map<Integer, Sample> last = new java.util.concurrent.ConcurrentHashMap<>(start.threads());
        private final Thread sampler;
        private volatile boolean running = true;

        public Recorder(Duration interval) {
            sampler = new Thread(() -> {
                while (running) {
                    last.putAll(now().threads());
                    try {
                        Thread.sleep(interval.toMillis());
                    } catch (InterruptedException e) {
                        return; // stop() asked; it takes the last snapshot itself
                    }
                }
            }, "stoq-cpu-sampler");
            sampler.setDaemon(true);
            sampler.start();
        }

        /** Stops sampling and returns the CPU each group spent since the start, largest first. */
        public Map<String, Duration> stop(Function<String, String> group) {
            close();
            last.putAll(now().threads());
            return new ThreadCpu(Map.copyOf(last)).since(start, group);
        }

        @Override
        public void close() {
            running = false;
            sampler.interrupt();
            try {
                sampler.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The groups {@code stoq bench ledger} reports: the ledger's own threads by role, RocksDB's
     * background threads, the collector, the JIT, the common pool (the state root's parallel
     * update, and the verify-only part's parallel stream) and the rest.
     */
    public static String ledgerGroup(String name) {
        if (name.startsWith("stoq-ledger-ver")) {
            return "verifiers";
        } else if (name.equals("java") || name.equals("main")) {
            // the thread that runs main() keeps the launcher's name, "java", in the kernel
            return "committer (main thread)";
        } else if (name.startsWith("stoq-ledger-blo")) {
            return "block writer";
        } else if (name.startsWith("rocksdb:")) {
            return "RocksDB flush, compaction";
        } else if (name.startsWith("GC Thread") || name.startsWith("G1 ") || name.startsWith("VM Thread")) {
            return "GC";
        } else if (name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler")) {
            return "JIT";
        } else if (name.startsWith("ForkJoinPool.co")) {
            return "common pool";
        }
        return "other";
    }
}
