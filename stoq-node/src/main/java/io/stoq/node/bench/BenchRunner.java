package io.stoq.node.bench;

import java.time.Duration;

/**
 * A small, honest timing loop for `stoq bench`: warm up (so the JIT compiles the real path), then
 * run the operation repeatedly for a fixed time and report throughput. Not JMH: no forking or
 * blackholes, so figures are for comparing primitives measured in the same run, not for
 * publishing in isolation. Single-threaded.
 */
public final class BenchRunner {
    private final Duration warmup;
    private final Duration measure;

    public BenchRunner(Duration warmup, Duration measure) {
        this.warmup = warmup;
        this.measure = measure;
    }

    /** One operation under test; may throw anything, which aborts the benchmark. */
    @FunctionalInterface
    public interface Op {
        void run() throws Exception;
    }

    /**
     * Measures {@code op}; {@code bytesPerOp} is the payload each call processes (0 for operations
     * counted per call, such as signatures).
     */
    public Result run(String name, long bytesPerOp, Op op) throws Exception {
        loop(op, warmup.toNanos());
        long start = System.nanoTime();
        long ops = loop(op, measure.toNanos());
        long elapsed = System.nanoTime() - start;
        return new Result(name, ops, Duration.ofNanos(elapsed), bytesPerOp);
    }

    private static long loop(Op op, long budgetNanos) throws Exception {
        long deadline = System.nanoTime() + budgetNanos;
        long ops = 0;
        do {
            op.run();
            ops++;
        } while (System.nanoTime() < deadline);
        return ops;
    }

    /** What one benchmark measured. */
    public record Result(String name, long ops, Duration elapsed, long bytesPerOp) {
        public double opsPerSecond() {
            return ops / (elapsed.toNanos() / 1e9);
        }

        /** MiB/s, or NaN for per-operation benchmarks. */
        public double mibPerSecond() {
            return bytesPerOp == 0 ? Double.NaN : opsPerSecond() * bytesPerOp / (1024.0 * 1024.0);
        }

        public double millisPerOp() {
            return elapsed.toNanos() / 1e6 / ops;
        }
    }
}
