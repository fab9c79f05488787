package io.stoq.node.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A closed-loop load: N clients, each on its own thread, each sending its next request as soon as
 * the previous one is answered, for a fixed time. Throughput is what the server sustains with N
 * requests outstanding; each request's latency is recorded, so percentiles come from every
 * request rather than from samples.
 *
 * <p>Every request that finishes counts, including the last one of each client, which may end a
 * little after the deadline; the elapsed time runs until the last client stops, so the rate stays
 * unbiased. A request that throws counts as a failure (the first message is kept) and the client
 * goes on.
 */
public final class ClosedLoopLoad {
    private ClosedLoopLoad() {}

    /** One request; throws when the server did not answer as expected. */
    @FunctionalInterface
    public interface Request {
        void send() throws Exception;
    }

    /** Makes client {@code index}'s request (each client keeps its own connection). */
    @FunctionalInterface
    public interface Client {
        Request open(int index) throws Exception;
    }

    /**
     * What one run measured.
     *
     * @param latencies every successful request's latency in nanoseconds, sorted ascending
     */
    public record Result(int clients, long requests, long failures, String firstFailure, Duration elapsed, long[] latencies) {
        /** Successful requests per second. */
        public double perSecond() {
            return requests / (elapsed.toNanos() / 1e9);
        }

        /** Latency at quantile {@code q} (0..1, nearest rank), or {@link Duration#ZERO} when nothing succeeded. */
        public Duration latency(double q) {
            if (latencies.length == 0) {
                return Duration.ZERO;
            }
            int rank = (int) Math.ceil(q * latencies.length);
            return Duration.ofNanos(latencies[Math.max(0, Math.min(latencies.length - 1, rank - 1))]);
        }
    }

    /** Runs {@code clients} clients for {@code duration}; {@code client.open} is called once per client, up front. */
    public static Result run(int clients, Duration duration, Client client) throws Exception {
        List<Request> requests = new ArrayList<>(clients);
        for (int i = 0; i < clients; i++) {
            requests.add(client.open(i));
        }
        CountDownLatch go = new CountDownLatch(1);
        Worker[] workers = new Worker[clients];
        Thread[] threads = new Thread[clients];
        AtomicReference<String> firstFailure = new AtomicReference<>();
        long[] deadline = new long[1];
        for (int i = 0; i < clients; i++) {
            workers[i] = new Worker(requests.get(i), go, deadline, firstFailure);
            threads[i] = new Thread(workers[i], "bench-client-" + i);
            threads[i].setDaemon(true);
            threads[i].start();
        }
        long start = System.nanoTime();
        deadline[0] = start + duration.toNanos();
        go.countDown(); // the latch publishes deadline[0] to the workers
        for (Thread t : threads) {
            t.join();
        }
        long elapsed = System.nanoTime() - start;
        long ok = 0;
        long failed = 0;
        for (Worker w : workers) {
            ok += w.count;
            failed += w.failures;
        }
        long[] all = new long[(int) ok];
        int at = 0;
        for (Worker w : workers) {
            System.arraycopy(w.latencies, 0, all, at, w.count);
            at += w.count;
        }
        Arrays.sort(all);
        return new Result(clients, ok, failed, firstFailure.get(), Duration.ofNanos(elapsed), all);
    }

    /** One client's loop; its fields are read by the starting thread only after join(). */
    private static final class Worker implements Runnable {
        private final Request request;
        private final CountDownLatch go;
        private final long[] deadline;
        private final AtomicReference<String> firstFailure;
        long[] latencies = new long[1024];
        int count;
        long failures;

        Worker(Request request, CountDownLatch go, long[] deadline, AtomicReference<String> firstFailure) {
            this.request = request;
            this.go = go;
            this.deadline = deadline;
            this.firstFailure = firstFailure;
        }

        @Override
        public void run() {
            try {
                go.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            long end = deadline[0];
            while (System.nanoTime() < end) {
                long t0 = System.nanoTime();
                try {
                    request.send();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (Exception e) {
                    failures++;
                    firstFailure.compareAndSet(null, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
                    continue;
                }
                if (count == latencies.length) {
                    latencies = Arrays.copyOf(latencies, count * 2);
                }
                latencies[count++] = System.nanoTime() - t0;
            }
        }
    }
}
