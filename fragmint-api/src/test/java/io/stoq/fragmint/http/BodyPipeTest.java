package io.stoq.fragmint.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.BodyAbortedException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Backpressure, limits and failure semantics of the event-loop-to-worker body pipe. */
class BodyPipeTest {
    private static ByteBuf chunk(int n) {
        return Unpooled.buffer(n).writeZero(n);
    }

    @Test
    void pausesAboveHighWaterAndResumesBelowLowWater() throws Exception {
        AtomicInteger resumes = new AtomicInteger();
        BodyPipe pipe = new BodyPipe(OptionalLong.empty(), Long.MAX_VALUE, resumes::incrementAndGet, Duration.ofSeconds(5));
        int offered = 0;
        boolean paused = false;
        while (!paused) {
            paused = pipe.offer(chunk(64 * 1024));
            offered += 64 * 1024;
        }
        assertThat(offered).isEqualTo(BodyPipe.HIGH_WATER);
        InputStream in = pipe.stream();
        byte[] buf = new byte[64 * 1024];
        int read = 0;
        while (resumes.get() == 0) {
            read += in.read(buf);
        }
        assertThat(offered - read).isLessThan(BodyPipe.LOW_WATER);
        assertThat(resumes.get()).isEqualTo(1);
        pipe.end();
        while (in.read(buf) != -1) {
            read += 0;
        }
    }

    @Test
    void limitAndDeclaredLengthAreEnforced() {
        List<ByteBuf> bufs = new ArrayList<>();
        BodyPipe pipe = new BodyPipe(OptionalLong.empty(), 100, () -> { }, Duration.ofSeconds(5));
        ByteBuf a = chunk(60);
        ByteBuf b = chunk(60);
        bufs.add(a);
        bufs.add(b);
        pipe.offer(a);
        pipe.offer(b);
        assertThatThrownBy(() -> pipe.stream().read(new byte[10])).isInstanceOfSatisfying(BodyAbortedException.class,
                e -> assertThat(e.reason()).isEqualTo(ApiError.PAYLOAD_TOO_LARGE));
        assertThat(bufs).allSatisfy(x -> assertThat(x.refCnt()).isZero());

        BodyPipe shortBody = new BodyPipe(OptionalLong.of(50), 1000, () -> { }, Duration.ofSeconds(5));
        shortBody.offer(chunk(20));
        shortBody.end();
        assertThatThrownBy(() -> shortBody.stream().readAllBytes()).isInstanceOfSatisfying(BodyAbortedException.class,
                e -> assertThat(e.reason()).isEqualTo(ApiError.TRUNCATED_BODY));
    }

    @Test
    void abortWakesABlockedReaderAndReleasesBuffers() throws Exception {
        BodyPipe pipe = new BodyPipe(OptionalLong.empty(), 1000, () -> { }, Duration.ofSeconds(30));
        ByteBuf queued = chunk(10);
        pipe.offer(queued);
        InputStream in = pipe.stream();
        assertThat(in.read(new byte[10])).isEqualTo(10);
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            pipe.abort(ApiError.TRUNCATED_BODY, "client went away");
        });
        t.start();
        assertThatThrownBy(() -> in.read(new byte[10])).isInstanceOf(BodyAbortedException.class)
                .hasMessageContaining("client went away");
        t.join();
        assertThat(queued.refCnt()).isZero();
    }

    @Test
    void stalledBodyTimesOut() {
        BodyPipe pipe = new BodyPipe(OptionalLong.empty(), 1000, () -> { }, Duration.ofMillis(100));
        assertThatThrownBy(() -> pipe.stream().read(new byte[1])).isInstanceOfSatisfying(BodyAbortedException.class,
                e -> assertThat(e.reason()).isEqualTo(ApiError.TRUNCATED_BODY));
    }

    @Test
    void minimumRateIsMeasuredOverWholeWindowsNotRestartedByEachByte() throws Exception {
        BodyPipe pipe = new BodyPipe(OptionalLong.empty(), 1_000_000, () -> { }, Duration.ofSeconds(30));
        AtomicInteger cuts = new AtomicInteger();
        pipe.minRate(new ApiServerConfig.MinRate(DataSize.ofKiB(1), Duration.ofMillis(200)), cuts::incrementAndGet);
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread trickle = new Thread(() -> {
            // A byte every 10 ms: the reader never waits long, but 100 B/s is far below 1 KiB per 200 ms.
            while (!stop.get()) {
                pipe.offer(chunk(1));
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        trickle.start();
        try {
            InputStream in = pipe.stream();
            assertThatThrownBy(() -> {
                while (in.read(new byte[64]) >= 0) {
                    // keep reading
                }
            }).isInstanceOfSatisfying(BodyAbortedException.class, e -> {
                assertThat(e.reason()).isEqualTo(ApiError.TRUNCATED_BODY);
                assertThat(e.getMessage()).contains("too slow").contains("1KiB per 200ms");
            });
            assertThat(cuts.get()).isEqualTo(1);
        } finally {
            stop.set(true);
            trickle.join();
        }
    }

    @Test
    void aBodyAtTheMinimumRateIsNotCut() throws Exception {
        BodyPipe pipe = new BodyPipe(OptionalLong.empty(), 1_000_000, () -> { }, Duration.ofSeconds(30));
        pipe.minRate(new ApiServerConfig.MinRate(DataSize.ofKiB(1), Duration.ofSeconds(2)), () -> { });
        pipe.offer(chunk(2048));
        Thread feeder = new Thread(() -> {
            try {
                for (int i = 1; i < 40; i++) {
                    pipe.offer(chunk(2048)); // 2 KiB every 100 ms over several windows: forty times the minimum
                    Thread.sleep(100);
                }
                pipe.end();
            } catch (InterruptedException e) {
                pipe.abort(ApiError.TRUNCATED_BODY, "interrupted");
            }
        });
        feeder.start();
        assertThat(pipe.stream().readAllBytes()).hasSize(40 * 2048);
        feeder.join();
    }

    /**
     * Small pieces wake a waiting reader once per read batch ({@link BodyPipe#readComplete()}), a
     * full {@link BodyPipe#WAKE_BYTES} at once; and a reader whose batch end never came still gets
     * its bytes after the backstop poll, not after the stall timeout.
     */
    @Test
    void smallPiecesWakeTheReaderAtTheEndOfTheReadBatch() throws Exception {
        BodyPipe pipe = new BodyPipe(OptionalLong.empty(), Long.MAX_VALUE, () -> { }, Duration.ofSeconds(30));
        InputStream in = pipe.stream();
        java.util.concurrent.BlockingQueue<Integer> reads = new java.util.concurrent.LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            byte[] buf = new byte[1 << 20];
            try {
                for (int n; (n = in.read(buf)) != -1; ) {
                    reads.add(n);
                }
                reads.add(-1);
            } catch (java.io.IOException e) {
                reads.add(-2);
            }
        });
        reader.start();
        // A batch of small pieces, then its end: the reader wakes and takes what it finds.
        pipe.offer(chunk(1200));
        pipe.offer(chunk(1200));
        pipe.readComplete();
        assertThat(reads.poll(5, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(1200); // one piece per read
        assertThat(reads.poll(5, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(1200);
        // A piece without a batch end is still delivered, by the backstop poll (well before 30 s).
        reads.clear();
        long start = System.nanoTime();
        pipe.offer(chunk(100));
        Integer late = reads.poll(5, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(late).isNotNull();
        assertThat(System.nanoTime() - start).isLessThan(Duration.ofSeconds(5).toNanos());
        pipe.end();
        reader.join(5000);
        assertThat(reader.isAlive()).isFalse();
    }
}
