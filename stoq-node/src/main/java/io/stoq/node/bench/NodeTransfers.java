package io.stoq.node.bench;

import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.quic.QuicCongestionControlAlgorithm;
import io.stoq.fragmint.client.Http1Client;
import io.stoq.fragmint.client.Http3Client;
import io.stoq.fragmint.http.ApiServerConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stoq.quic.QuicTransport;
import io.stoq.shard.corpus.CorpusGenerator;
import io.stoq.shard.corpus.CorpusKind;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.net.URI;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The pieces of {@code stoq bench node}: a generated corpus of files, and timed phases that move
 * it through a real node over HTTP/1.1 or HTTP/3 with N concurrent clients (each client takes the
 * next file when its last one is done), plus a heap watch.
 *
 * <p>The corpus (the mix): 40% random files, 40% text files, 20% near-duplicates (a copy of
 * an earlier file with one byte changed). Files are generated on the fly from their seed, never
 * held in memory, so the client side adds little to the heap the benchmark reports.
 */
public final class NodeTransfers {
    private static final ObjectMapper JSON = new ObjectMapper();

    private NodeTransfers() {}

    /** One generated file: {@code size} bytes of {@code kind} from {@code seed}, byte {@code flipAt} flipped (none if negative). */
    public record FileSpec(CorpusKind kind, long size, long seed, long flipAt) {
        public InputStream open() {
            InputStream in = CorpusGenerator.stream(kind, size, seed);
            if (flipAt < 0) {
                return in;
            }
            return new FilterInputStream(in) {
                long pos;

                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    int n = read(one, 0, 1);
                    return n < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int n = super.read(b, off, len);
                    if (n > 0 && flipAt >= pos && flipAt < pos + n) {
                        b[off + (int) (flipAt - pos)] ^= 1;
                    }
                    pos += Math.max(0, n);
                    return n;
                }
            };
        }
    }

    /** About {@code total} bytes in files of {@code fileSize}: per five files two random, two text, one near-duplicate. */
    public static List<FileSpec> corpus(long total, long fileSize, long seed) {
        List<FileSpec> files = new ArrayList<>();
        int count = (int) Math.max(1, (total + fileSize - 1) / fileSize);
        for (int i = 0; i < count; i++) {
            int slot = i % 5;
            long s = seed * 1_000_003L + i;
            if (slot == 4) {
                FileSpec original = files.get(i - 4 + (int) (s & 1) * 2); // a random or a text file of this group
                files.add(new FileSpec(original.kind(), original.size(), original.seed(), original.size() / 3 + (s % 4096)));
            } else {
                files.add(new FileSpec(slot < 2 ? CorpusKind.RANDOM : CorpusKind.TEXT, fileSize, s, -1));
            }
        }
        return files;
    }

    /**
     * What one phase moved.
     *
     * @param cpu CPU time of the whole process during the phase (node, clients, GC, JIT): MB per
     *     CPU-second compares phases fairly on a machine whose other load changes from one minute
     *     to the next, where wall-clock MB/s follows the neighbours
     * @param jit time the JIT compilers spent during the phase (summed over their threads): what
     *     warm-up left in it
     */
    public record Phase(long bytes, Duration elapsed, int files, int failures, String firstFailure, Duration cpu, Duration jit) {
        public double megabytesPerSecond() {
            return elapsed.isZero() ? 0 : bytes / 1e6 / (elapsed.toNanos() / 1e9);
        }

        public double megabytesPerCpuSecond() {
            return cpu.isZero() ? 0 : bytes / 1e6 / (cpu.toNanos() / 1e9);
        }
    }

    /** Time the JIT compilers spent so far (summed over their threads), or zero where the JVM cannot tell. */
    public static Duration jitTime() {
        java.lang.management.CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        return Duration.ofMillis(jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0);
    }

    /** CPU time of this whole process so far. */
    public static Duration processCpu() {
        return Duration.ofNanos(((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime());
    }

    /** One transfer: moves file {@code index} and returns its bytes. */
    @FunctionalInterface
    interface Transfer {
        long run(int client, int index) throws Exception;
    }

    /** Runs {@code count} transfers on {@code clients} threads, each taking the next index when done. */
    static Phase run(int clients, int count, Transfer transfer) throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        AtomicLong bytes = new AtomicLong();
        AtomicInteger failures = new AtomicInteger();
        AtomicReference<String> first = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        Duration cpu = processCpu();
        Duration jit = jitTime();
        long start = System.nanoTime();
        for (int c = 0; c < clients; c++) {
            int client = c;
            Thread t = new Thread(() -> {
                for (int i; (i = next.getAndIncrement()) < count; ) {
                    try {
                        bytes.addAndGet(transfer.run(client, i));
                    } catch (Exception e) {
                        failures.incrementAndGet();
                        first.compareAndSet(null, "file " + i + ": " + e.getMessage());
                    }
                }
            }, "bench-client-" + c);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        return new Phase(bytes.get(), Duration.ofNanos(System.nanoTime() - start), count, failures.get(), first.get(),
                processCpu().minus(cpu), jitTime().minus(jit));
    }

    /** Uploads every file over HTTP/1.1 (streamed, with its length); {@code ids} receives each asset id by index. */
    public static Phase uploadHttp1(InProcessNode node, List<FileSpec> files, int clients, String[] ids) throws Exception {
        EventLoopGroup loop = Http1Client.eventLoop();
        try {
            List<Http1Client> http = http1Clients(node, loop, clients);
            Map<String, String> headers = Map.of("authorization", "Bearer " + node.apiKey(), "content-type", "application/octet-stream");
            return run(clients, files.size(), (client, i) -> {
                FileSpec f = files.get(i);
                java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
                Http1Client.Result r;
                try (InputStream in = f.open()) {
                    r = http.get(client).exchange(HttpMethod.POST, "/v1/assets", headers, in, f.size(), body, Duration.ofMinutes(30));
                }
                ids[i] = created(r.status(), body.toByteArray());
                return f.size();
            });
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** Downloads every asset over HTTP/1.1, counting the bytes (the node verified each shard before sending it). */
    public static Phase downloadHttp1(InProcessNode node, List<FileSpec> files, int clients, String[] ids) throws Exception {
        EventLoopGroup loop = Http1Client.eventLoop();
        try {
            List<Http1Client> http = http1Clients(node, loop, clients);
            Map<String, String> headers = Map.of("authorization", "Bearer " + node.apiKey());
            return run(clients, files.size(), (client, i) -> {
                Http1Client.Result r = http.get(client).exchange(HttpMethod.GET, "/v1/assets/" + ids[i] + "/content", headers, null, 0,
                        OutputStream.nullOutputStream(), Duration.ofMinutes(30));
                if (r.status() != 200) {
                    throw new IOException("HTTP " + r.status());
                }
                return expect(files.get(i).size(), r.bodyBytes());
            });
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /**
     * How the HTTP/3 clients connect: the UDP transport ({@link QuicTransport}, as the node's
     * {@code api.quic.native-transport} and {@code api.quic.max-udp-payload}) and the congestion
     * controller for what they send.
     */
    public record Http3Settings(QuicTransport transport, QuicCongestionControlAlgorithm congestion) {
        /** As the node runs with {@code overrides} (the same transport, packet sizes and controller on both ends). */
        public static Http3Settings matching(Map<String, String> overrides) {
            boolean nativeTransport = !"false".equalsIgnoreCase(overrides.getOrDefault("api.quic.native-transport", "true"));
            String cc = overrides.getOrDefault("api.quic.congestion-control", "cubic");
            int configured = Integer.parseInt(overrides.getOrDefault("api.quic.max-udp-payload",
                    Integer.toString(ApiServerConfig.Quic.AUTO_MAX_UDP_PAYLOAD)));
            // The clients' sockets are on 127.0.0.1, as the node's: "auto" means the same there.
            int maxUdpPayload = ApiServerConfig.Quic.maxUdpPayloadFor(configured, java.net.InetAddress.getLoopbackAddress());
            return new Http3Settings(QuicTransport.choose(nativeTransport, maxUdpPayload),
                    QuicCongestionControlAlgorithm.valueOf(cc.toUpperCase(java.util.Locale.ROOT)));
        }
    }

    /** Uploads every file over HTTP/3, one QUIC connection per client. */
    public static Phase uploadHttp3(InProcessNode node, List<FileSpec> files, int clients, String[] ids, Http3Settings settings)
            throws Exception {
        List<Http3Client> h3 = http3Clients(node, clients, settings);
        try {
            return run(clients, files.size(), (client, i) -> {
                FileSpec f = files.get(i);
                java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
                Http3Client.Result r;
                try (InputStream in = f.open()) {
                    r = h3.get(client).exchange("POST", "/v1/assets", Map.of("authorization", "Bearer " + node.apiKey(),
                            "content-type", "application/octet-stream"), in, f.size(), body);
                }
                ids[i] = created(r.status(), body.toByteArray());
                return f.size();
            });
        } finally {
            h3.forEach(Http3Client::close);
        }
    }

    /** Downloads every asset over HTTP/3. */
    public static Phase downloadHttp3(InProcessNode node, List<FileSpec> files, int clients, String[] ids, Http3Settings settings)
            throws Exception {
        List<Http3Client> h3 = http3Clients(node, clients, settings);
        try {
            return run(clients, files.size(), (client, i) -> {
                Http3Client.Result r = h3.get(client).exchange("GET", "/v1/assets/" + ids[i] + "/content",
                        Map.of("authorization", "Bearer " + node.apiKey()), null, 0, OutputStream.nullOutputStream());
                if (r.status() != 200) {
                    throw new IOException("HTTP " + r.status());
                }
                return expect(files.get(i).size(), r.bodyBytes());
            });
        } finally {
            h3.forEach(Http3Client::close);
        }
    }

    private static long expect(long size, long got) throws IOException {
        if (got != size) {
            throw new IOException("downloaded " + got + " bytes of " + size);
        }
        return got;
    }

    private static String created(int status, byte[] body) throws IOException {
        if (status != 201) {
            String text = new String(body, StandardCharsets.UTF_8);
            throw new IOException("HTTP " + status + ": " + text.substring(0, Math.min(200, text.length())));
        }
        JsonNode meta = JSON.readTree(body);
        return meta.get("id").asText();
    }

    /**
     * A kept-alive HTTP/1.1 connection to the node's API on {@code loop} (closed with it), holding
     * whole response bodies of up to 1 MiB in {@link Http1Client#send}.
     */
    public static Http1Client http1Client(InProcessNode node, EventLoopGroup loop) throws Exception {
        return new Http1Client(loop, new InetSocketAddress(node.baseUri().getHost(), node.baseUri().getPort()), 1 << 20);
    }

    /** {@code n} of {@link #http1Client}. */
    private static List<Http1Client> http1Clients(InProcessNode node, EventLoopGroup loop, int n) throws Exception {
        List<Http1Client> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(http1Client(node, loop));
        }
        return out;
    }

    private static List<Http3Client> http3Clients(InProcessNode node, int n, Http3Settings settings) throws Exception {
        X509Certificate cert = node.node().server().certificate();
        List<Http3Client> out = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                out.add(new Http3Client(node.node().http3Port(), cert, new String[] {"X25519MLKEM768", "X25519"},
                        settings.transport(), settings.congestion()));
            }
        } catch (Exception e) {
            out.forEach(Http3Client::close);
            throw e;
        }
        return out;
    }

    /**
     * Samples the heap left after each garbage collection (the sum over heap pools of their usage
     * at the end of the last collection), every 100 ms, keeping the largest: the live set, which
     * stays flat when memory is bounded, unlike used heap between collections.
     */
    public static final class HeapWatch implements AutoCloseable {
        private final Thread thread;
        private final AtomicLong peak = new AtomicLong();
        private volatile boolean stop;

        public HeapWatch() {
            thread = new Thread(() -> {
                while (!stop) {
                    peak.accumulateAndGet(afterGc(), Math::max);
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "bench-heap-watch");
            thread.setDaemon(true);
            thread.start();
        }

        /** Heap in use right after the last collection of each heap pool, summed. */
        public static long afterGc() {
            long sum = 0;
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                MemoryUsage u = pool.getType() == MemoryType.HEAP ? pool.getCollectionUsage() : null;
                if (u != null) {
                    sum += u.getUsed();
                }
            }
            return sum;
        }

        public long peak() {
            return peak.get();
        }

        @Override
        public void close() {
            stop = true;
            thread.interrupt();
        }
    }
}
