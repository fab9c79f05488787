package io.stoq.fragmint;

import io.stoq.fragmint.client.Http3Client;
import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.crypto.hash.Sha256;
import io.stoq.fragmint.http.ApiServerConfig;
import io.stoq.fragmint.http.DataSize;
import io.stoq.fragmint.http.Json;
import io.stoq.fragmint.port.AssetMetadata;
import io.stoq.fragmint.port.Caller;
import io.stoq.fragmint.port.NewContent;
import io.stoq.fragmint.port.Role;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Not part of the suite (the name does not end in Test): upload and download one file over
 * HTTP/1.1 and HTTP/3, as MB/s and as a ratio to the store path alone (the test double's SHA-256 +
 * file write, no HTTP) measured in the same run; peak heap during each upload. Run with
 * {@code -Dtest=ApiThroughputBench -Dbench.size=1GiB}.
 */
class ApiThroughputBench {

    /** Counts and hashes what is written, as a client checking the content digest would. */
    static final class DigestSink extends OutputStream {
        final Sha256 sha256 = new Sha256();
        long n;

        @Override
        public void write(int b) {
            sha256.update((byte) b);
            n++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            sha256.update(b, off, len);
            n += len;
        }
    }

    /** Largest heap in use right after any GC since {@link #reset}: the peak of live data. */
    static final class LiveHeapPeak implements javax.management.NotificationListener {
        final java.util.concurrent.atomic.AtomicLong peak = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.atomic.AtomicInteger gcs = new java.util.concurrent.atomic.AtomicInteger();

        LiveHeapPeak() {
            for (java.lang.management.GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                ((javax.management.NotificationEmitter) gc).addNotificationListener(this, null, null);
            }
        }

        void reset() {
            System.gc();
            peak.set(0);
            gcs.set(0);
        }

        @Override
        public void handleNotification(javax.management.Notification n, Object handback) {
            if (!n.getType().equals(com.sun.management.GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
                return;
            }
            var info = com.sun.management.GarbageCollectionNotificationInfo.from(
                    (javax.management.openmbean.CompositeData) n.getUserData());
            long used = 0;
            for (var e : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                if (!e.getKey().contains("Metaspace") && !e.getKey().contains("Code")
                        && !e.getKey().contains("Compressed")) {
                    used += e.getValue().getUsed();
                }
            }
            peak.accumulateAndGet(used, Math::max);
            gcs.incrementAndGet();
        }
    }

    /** Samples the live heap (after a full GC) every second on its own thread: untimed passes only. */
    static final class LiveSampler implements AutoCloseable {
        final java.util.concurrent.atomic.AtomicLong peak = new java.util.concurrent.atomic.AtomicLong();
        final Thread thread;
        volatile boolean running = true;

        LiveSampler() {
            thread = new Thread(() -> {
                while (running) {
                    System.gc();
                    Runtime rt = Runtime.getRuntime();
                    peak.accumulateAndGet(rt.totalMemory() - rt.freeMemory(), Math::max);
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "live-heap-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.interrupt();
            thread.join();
        }
    }

    static long heapPeakReset() {
        System.gc();
        long used = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                p.resetPeakUsage();
                used += p.getUsage().getUsed();
            }
        }
        return used;
    }

    static long heapPeak() {
        long peak = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                peak += p.getPeakUsage().getUsed();
            }
        }
        return peak;
    }

    static double mbps(long bytes, long nanos) {
        return bytes / 1e6 / (nanos / 1e9);
    }

    @Test
    void throughput() throws Exception {
        long size = DataSize.parse(System.getProperty("bench.size", "256MiB")).bytes();
        try (TestServer t = new TestServer(ApiServerConfig.defaults().withPorts(0, 0)
                .withMaxUploadSize(DataSize.ofGiB(4)))) {
            Path src = t.dir.resolve("source.bin");
            try (OutputStream out = Files.newOutputStream(src)) {
                SplittableRandom rnd = new SplittableRandom(42);
                byte[] buf = new byte[1 << 20];
                for (long left = size; left > 0; left -= buf.length) {
                    for (int i = 0; i < buf.length; i += 8) {
                        long v = rnd.nextLong();
                        for (int j = 0; j < 8; j++) {
                            buf[i + j] = (byte) (v >>> (8 * j));
                        }
                    }
                    out.write(buf, 0, (int) Math.min(buf.length, left));
                }
            }
            StringBuilder report = new StringBuilder();
            report.append(String.format(Locale.ROOT, "file %s (%d bytes), JDK %s%n", DataSize.ofBytes(size), size,
                    System.getProperty("java.version")));

            // Baseline: the store path alone (SHA-256 + staging write + SHA3-256 merkle leaves), no HTTP.
            // Once to warm the JIT, once measured.
            try (InputStream in = new BufferedInputStream(Files.newInputStream(src), 1 << 16)) {
                t.node.assets.create(new Caller("alice", Role.WRITER, "bench", false),
                        new NewContent("application/octet-stream", null, OptionalLong.of(size)), in);
            }
            long t0 = System.nanoTime();
            AssetMetadata base;
            try (InputStream in = new BufferedInputStream(Files.newInputStream(src), 1 << 16)) {
                base = t.node.assets.create(new Caller("alice", Role.WRITER, "bench", false),
                        new NewContent("application/octet-stream", null, OptionalLong.of(size)), in);
            }
            long baseNanos = System.nanoTime() - t0;
            double baseMbps = mbps(size, baseNanos);
            report.append(String.format(Locale.ROOT, "baseline store path alone : %8.1f MB/s%n", baseMbps));

            // HTTP/1.1 upload
            LiveHeapPeak live = new LiveHeapPeak();
            long before = heapPeakReset();
            live.reset();
            t0 = System.nanoTime();
            HttpResponse<byte[]> up = t.send(t.request("/v1/assets", "alice")
                    .header("Content-Type", "application/octet-stream")
                    .POST(HttpRequest.BodyPublishers.ofFile(src)).build());
            long h1Up = System.nanoTime() - t0;
            long h1Peak = heapPeak();
            long h1Live = live.peak.get();
            int h1Gcs = live.gcs.get();
            assertThat(up.statusCode()).isEqualTo(201);
            AssetMetadata m1 = Json.MAPPER.readValue(up.body(), AssetMetadata.class);
            assertThat(m1.sha256()).isNotNull().isEqualTo(base.sha256());
            // HTTP/1.1 download, hashed on the fly
            t0 = System.nanoTime();
            HttpResponse<InputStream> down = t.client(java.net.http.HttpClient.Version.HTTP_1_1).send(
                    t.request("/v1/assets/" + m1.id() + "/content", "alice").build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            DigestSink s1 = new DigestSink();
            try (InputStream in = down.body()) {
                in.transferTo(s1);
            }
            long h1Down = System.nanoTime() - t0;
            assertThat(s1.n).isEqualTo(size);
            assertThat(s1.sha256.digest().toHex()).isEqualTo(base.sha256());

            // HTTP/3
            long h3UpN;
            long h3DownN;
            long h3Peak;
            long h3Live;
            int h3Gcs;
            try (Http3Client h3 = new Http3Client(t.server.http3Port(), t.server.certificate())) {
                heapPeakReset();
                live.reset();
                ByteArrayOutputStream created = new ByteArrayOutputStream();
                t0 = System.nanoTime();
                try (InputStream in = Files.newInputStream(src)) {
                    Http3Client.Result r = h3.exchange("POST", "/v1/assets", Map.of("authorization",
                            "Bearer " + t.keys.get("alice"), "content-type", "application/octet-stream"), in, size, created);
                    assertThat(r.status()).as(created.toString()).isEqualTo(201);
                }
                h3UpN = System.nanoTime() - t0;
                h3Peak = heapPeak();
                h3Live = live.peak.get();
                h3Gcs = live.gcs.get();
                AssetMetadata m3 = Json.MAPPER.readValue(created.toByteArray(), AssetMetadata.class);
                assertThat(m3.sha256()).isNotNull().isEqualTo(base.sha256());
                DigestSink s3 = new DigestSink();
                t0 = System.nanoTime();
                Http3Client.Result r = h3.exchange("GET", "/v1/assets/" + m3.id() + "/content",
                        Map.of("authorization", "Bearer " + t.keys.get("alice")), null, 0, s3);
                h3DownN = System.nanoTime() - t0;
                assertThat(r.status()).isEqualTo(200);
                assertThat(s3.n).isEqualTo(size);
                assertThat(s3.sha256.digest().toHex()).isEqualTo(base.sha256());
            }
            // Untimed pass: live heap sampled every second (full GC) during each upload.
            long h1Sampled;
            try (LiveSampler ls = new LiveSampler()) {
                HttpResponse<byte[]> again = t.send(t.request("/v1/assets", "alice")
                        .POST(HttpRequest.BodyPublishers.ofFile(src)).build());
                assertThat(again.statusCode()).isEqualTo(201);
                ls.close();
                h1Sampled = ls.peak.get();
            }
            long h3Sampled;
            try (Http3Client h3 = new Http3Client(t.server.http3Port(), t.server.certificate());
                    LiveSampler ls = new LiveSampler(); InputStream in = Files.newInputStream(src)) {
                Http3Client.Result r = h3.exchange("POST", "/v1/assets", Map.of("authorization",
                        "Bearer " + t.keys.get("alice")), in, size, new ByteArrayOutputStream());
                assertThat(r.status()).isEqualTo(201);
                ls.close();
                h3Sampled = ls.peak.get();
            }
            line(report, "HTTP/1.1 upload          ", size, h1Up, baseMbps);
            line(report, "HTTP/1.1 download+SHA-256", size, h1Down, baseMbps);
            line(report, "HTTP/3   upload          ", size, h3UpN, baseMbps);
            line(report, "HTTP/3   download+SHA-256", size, h3DownN, baseMbps);
            report.append(String.format(Locale.ROOT, "heap (client and server share this JVM; -Xmx %d MiB), live after GC"
                    + " before uploads %d MiB%n", Runtime.getRuntime().maxMemory() >> 20, before >> 20));
            report.append(String.format(Locale.ROOT, "  untimed pass, live heap sampled after a full GC every second:"
                    + " HTTP/1.1 upload peak %d MiB, HTTP/3 upload peak %d MiB%n", h1Sampled >> 20, h3Sampled >> 20));
            report.append(String.format(Locale.ROOT, "  timed pass, HTTP/1.1 upload: heap after any GC (incl. promoted garbage) peak %d MiB over %d GCs;"
                    + " peak used incl. garbage %d MiB%n", h1Live >> 20, h1Gcs, h1Peak >> 20));
            report.append(String.format(Locale.ROOT, "  timed pass, HTTP/3   upload: heap after any GC (incl. promoted garbage) peak %d MiB over %d GCs;"
                    + " peak used incl. garbage %d MiB%n", h3Live >> 20, h3Gcs, h3Peak >> 20));
            System.out.print(report);
            Files.writeString(Path.of("target", "api-bench.txt"), report.toString());
        }
    }

    private static void line(StringBuilder sb, String what, long size, long nanos, double baseMbps) {
        double v = mbps(size, nanos);
        sb.append(String.format(Locale.ROOT, "%s: %8.1f MB/s  = %.2f x baseline%n", what, v, v / baseMbps));
    }
}
