package io.stoq.node.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.fragmint.http.DataSize;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalShardStoreTest {
    @TempDir
    Path tmp;

    private LocalShardStore open() throws NodeException {
        return LocalShardStore.open(tmp.resolve("shards"), true, DataSize.ofBytes(0), DataSize.ofMiB(8));
    }

    private static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    private static NodeErrorCode code(Call call) {
        try {
            call.run();
        } catch (NodeException e) {
            return e.code();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("expected a NodeException");
    }

    interface Call {
        void run() throws Exception;
    }

    @Test
    void putThenGetReturnsVerifiedBytesAndDeduplicates() throws Exception {
        LocalShardStore store = open();
        byte[] shard = random(300_000, 1);
        Hash256 hash = Sha3.hash(shard);
        LocalShardStore.PutResult first = store.put(hash, shard);
        assertThat(first.alreadyPresent()).isFalse();
        assertThat(first.size()).isEqualTo(shard.length);
        assertThat(store.put(hash, shard).alreadyPresent()).isTrue();
        assertThat(store.get(hash)).isEqualTo(shard);
        assertThat(store.contains(hash)).isTrue();
        List<Hash256> all = new ArrayList<>();
        store.forEach(all::add);
        assertThat(all).containsExactly(hash);
        assertThat(store.delete(hash)).isTrue();
        assertThat(code(() -> store.get(hash))).isEqualTo(NodeErrorCode.NOT_FOUND);
    }

    @Test
    void bytesThatDoNotMatchTheirHashAreRefusedAndLeaveNothing() throws Exception {
        LocalShardStore store = open();
        byte[] shard = random(1000, 2);
        Hash256 wrong = Sha3.hash(new byte[] {1});
        assertThat(code(() -> store.put(wrong, shard))).isEqualTo(NodeErrorCode.HASH_MISMATCH);
        assertThat(store.contains(wrong)).isFalse();
        try (var tmpFiles = Files.list(tmp.resolve("shards/tmp"))) {
            assertThat(tmpFiles).isEmpty();
        }
    }

    @Test
    void truncatedUploadStreamLeavesNothing() throws Exception {
        LocalShardStore store = open();
        byte[] shard = random(200_000, 3);
        Hash256 hash = Sha3.hash(shard);
        InputStream failing = new InputStream() {
            private final InputStream delegate = new ByteArrayInputStream(shard, 0, 100_000);

            @Override
            public int read() throws IOException {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = delegate.read(b, off, len);
                if (n == -1) {
                    throw new IOException("connection reset by peer");
                }
                return n;
            }
        };
        assertThat(code(() -> store.put(hash, failing, shard.length))).isEqualTo(NodeErrorCode.IO_ERROR);
        assertThat(store.contains(hash)).isFalse();
        try (var tmpFiles = Files.list(tmp.resolve("shards/tmp"))) {
            assertThat(tmpFiles).isEmpty();
        }
    }

    @Test
    void corruptionOnDiskIsDetectedAndQuarantined() throws Exception {
        LocalShardStore store = open();
        byte[] shard = random(50_000, 4);
        Hash256 hash = Sha3.hash(shard);
        store.put(hash, shard);
        Path file = store.pathOf(hash);
        byte[] onDisk = Files.readAllBytes(file);
        onDisk[12_345] ^= 0x20;
        Files.write(file, onDisk);
        assertThatThrownBy(() -> store.get(hash)).isInstanceOf(NodeException.class).hasMessageContaining("corrupt");
        assertThat(store.contains(hash)).isFalse();
        assertThat(store.quarantinedCount()).isEqualTo(1);
        try (var quarantined = Files.list(tmp.resolve("shards/quarantine"))) {
            assertThat(quarantined).hasSize(1);
        }
        // The good copy can be stored again (e.g. by repair from a replica).
        assertThat(store.put(hash, shard).alreadyPresent()).isFalse();
        assertThat(store.get(hash)).isEqualTo(shard);
    }

    @Test
    void interruptedWritesAreClearedAtOpen() throws Exception {
        open();
        Path leftover = tmp.resolve("shards/tmp/dead.part");
        Files.write(leftover, new byte[100]);
        open();
        assertThat(Files.exists(leftover)).isFalse();
    }

    @Test
    void reserveAndShardSizeLimitsAreEnforcedBeforeWriting() throws Exception {
        LocalShardStore greedy = LocalShardStore.open(tmp.resolve("full"), true, DataSize.parse("16TiB"), DataSize.ofMiB(8));
        byte[] shard = random(10, 5);
        assertThat(code(() -> greedy.put(Sha3.hash(shard), shard))).isEqualTo(NodeErrorCode.INSUFFICIENT_SPACE);
        LocalShardStore small = LocalShardStore.open(tmp.resolve("small"), true, DataSize.ofBytes(0), DataSize.ofKiB(4));
        byte[] big = random(5000, 6);
        assertThat(code(() -> small.put(Sha3.hash(big), big))).isEqualTo(NodeErrorCode.IO_ERROR);
        // Declared small but actually large: caught while streaming.
        assertThat(code(() -> small.put(Sha3.hash(big), new ByteArrayInputStream(big), 10))).isEqualTo(NodeErrorCode.IO_ERROR);
        assertThat(small.contains(Sha3.hash(big))).isFalse();
    }

    /**
     * Many shards into a store whose fan-out directories do not exist yet, from several threads:
     * each new directory level is created with its parent fsynced (SecureFiles, strace-checked in
     * docs/node.md), racing creators of one level all succeed, and every shard reads back. Run
     * with fsync on and off (off takes the plain path).
     */
    @Test
    void newFanOutDirectoriesAreCreatedDurablyUnderConcurrentPuts() throws Exception {
        for (boolean fsync : new boolean[] {true, false}) {
            LocalShardStore store = LocalShardStore.open(tmp.resolve("fan-" + fsync), fsync, DataSize.ofBytes(0), DataSize.ofMiB(8));
            List<byte[]> shards = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                shards.add(random(512, 1000L * (fsync ? 1 : 2) + i));
            }
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
            try {
                List<java.util.concurrent.Future<LocalShardStore.PutResult>> puts = new ArrayList<>();
                for (byte[] b : shards) {
                    puts.add(pool.submit(() -> store.put(Sha3.hash(b), b)));
                    puts.add(pool.submit(() -> store.put(Sha3.hash(b), b))); // the same shard twice, racing
                }
                for (var f : puts) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
            for (byte[] b : shards) {
                Path file = store.pathOf(Sha3.hash(b));
                assertThat(file.getParent().getParent().getParent()).isEqualTo(tmp.resolve("fan-" + fsync));
                assertThat(store.get(Sha3.hash(b))).isEqualTo(b);
            }
        }
    }
}
