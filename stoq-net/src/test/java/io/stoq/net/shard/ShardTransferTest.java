package io.stoq.net.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.net.LeakGuard;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import io.stoq.net.NetFixture;
import io.stoq.net.PeerConnection;
import io.stoq.net.transport.StoqTransport;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shards over STOQ between two real transports: byte-exact in both directions, over one stream
 * and over several at once, and every refusal with its code: an unknown shard, bytes that do not
 * hash to their id, a shard over the size limit.
 */
@ExtendWith(LeakGuard.class)
class ShardTransferTest {
    private static final long MAX_SHARD = 32L << 20;

    @TempDir
    static Path dir;
    static MemoryShardStore serverStore = new MemoryShardStore();
    static StoqTransport server;
    static StoqTransport client;
    static PeerConnection connection;
    static ExecutorService pool = Executors.newFixedThreadPool(8);
    static AtomicLong transferred = new AtomicLong();
    static ShardClient shards = new ShardClient(pool, (node, bytes, elapsed) -> transferred.addAndGet(bytes));

    @BeforeAll
    static void setUp() throws Exception {
        NetFixture net = new NetFixture(dir, "main");
        server = new ShardService(serverStore, MAX_SHARD).register(net.builder(net.identity(net.issue("node-a")))).start();
        client = net.builder(net.identity(net.issue("node-b"))).start();
        connection = client.connect(server.localAddress());
    }

    @AfterAll
    static void tearDown() {
        client.close();
        server.close();
        pool.shutdownNow();
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void aShardIsFetchedByteExactOverOneStream() throws Exception {
        byte[] shard = random(1024 * 1024 + 17, 1);
        Hash256 id = serverStore.add(shard);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long before = transferred.get();
        assertThat(shards.get(connection, id, out)).isEqualTo(shard.length);
        assertThat(out.toByteArray()).isEqualTo(shard);
        assertThat(transferred.get() - before).isEqualTo(shard.length);
    }

    @Test
    void aShardIsFetchedByteExactOverSeveralStreamsAtOnce() throws Exception {
        byte[] shard = random(2 * 1024 * 1024 + 5, 2);
        Hash256 id = serverStore.add(shard);
        byte[] got = new byte[shard.length];
        long n = shards.getParallel(connection, id, (pos, b, off, len) -> System.arraycopy(b, off, got, (int) pos, len), 4);
        assertThat(n).isEqualTo(shard.length);
        assertThat(got).isEqualTo(shard);
    }

    @Test
    void aShardIsStoredByteExactAndASecondPutIsRecognised() throws Exception {
        byte[] shard = random(1024 * 1024 + 3, 3);
        Hash256 id = Sha3.hash(shard);
        assertThat(shards.put(connection, id, shard.length, new ByteArrayInputStream(shard))).isTrue();
        assertThat(serverStore.bytes(id)).isEqualTo(shard);
        assertThat(shards.put(connection, id, shard.length, new ByteArrayInputStream(shard))).isFalse();
    }

    @Test
    void anUnknownShardIsNotFound() {
        assertThatThrownBy(() -> shards.get(connection, Sha3.hash(new byte[] {1}), new ByteArrayOutputStream()))
                .isInstanceOfSatisfying(NetException.class, e -> assertThat(e.code()).isEqualTo(NetErrorCode.NOT_FOUND));
    }

    @Test
    void bytesThatDoNotHashToTheirIdAreRefused() {
        byte[] shard = random(100_000, 4);
        Hash256 wrong = Sha3.hash(random(10, 5));
        assertThatThrownBy(() -> shards.put(connection, wrong, shard.length, new ByteArrayInputStream(shard)))
                .isInstanceOfSatisfying(NetException.class, e -> assertThat(e.code()).isEqualTo(NetErrorCode.INTEGRITY));
        assertThat(serverStore.size(wrong)).isEmpty();
    }

    @Test
    void aShardOverTheLimitIsRefusedBeforeItsBytes() {
        // The body would be 64 MiB; the refusal comes from the head, so the test does not wait for it to upload.
        byte[] shard = random(1024, 6);
        assertThatThrownBy(() -> shards.put(connection, Sha3.hash(shard), MAX_SHARD + 1,
                new java.io.InputStream() {
                    long left = MAX_SHARD + 1;

                    @Override
                    public int read() {
                        return left-- > 0 ? 0 : -1;
                    }

                    @Override
                    public int read(byte[] b, int off, int len) {
                        if (left <= 0) {
                            return -1;
                        }
                        int n = (int) Math.min(len, left);
                        left -= n;
                        return n;
                    }
                }))
                .isInstanceOfSatisfying(NetException.class, e -> assertThat(e.code()).isEqualTo(NetErrorCode.REFUSED));
    }

    @Test
    void manyTransfersAtOnceShareTheConnection() throws Exception {
        List<byte[]> shardsHeld = new ArrayList<>();
        List<Hash256> ids = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            byte[] s = random(100_000 + i, 100 + i);
            shardsHeld.add(s);
            ids.add(serverStore.add(s));
        }
        List<java.util.concurrent.Future<byte[]>> futures = new ArrayList<>();
        for (Hash256 id : ids) {
            futures.add(pool.submit(() -> {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                shards.get(connection, id, out);
                return out.toByteArray();
            }));
        }
        for (int i = 0; i < ids.size(); i++) {
            assertThat(futures.get(i).get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(shardsHeld.get(i));
        }
    }
}
