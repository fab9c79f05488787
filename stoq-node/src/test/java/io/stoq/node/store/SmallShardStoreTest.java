package io.stoq.node.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.fragmint.http.DataSize;
import io.stoq.node.fault.FaultInjection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The group-committed small shard path of {@link LocalShardStore} on a real RocksDB: concurrent
 * puts share synced writes, nothing is reported durable before its group's write returned, and a
 * failed group write fails every waiter of the group and stores none of it.
 */
@Timeout(120)
class SmallShardStoreTest {
    @TempDir
    Path tmp;

    private LocalShardStore open() throws NodeException {
        return LocalShardStore.open(tmp.resolve("shards"), new LocalShardStore.Settings(true, DataSize.ofBytes(0), DataSize.ofMiB(8), DataSize.ofKiB(64)));
    }

    private static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    @Test
    void concurrentSmallPutsShareSyncedWritesAndReadBackVerified() throws Exception {
        int n = 400;
        List<byte[]> shards = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            shards.add(random(1024 + i, i));
        }
        try (LocalShardStore store = open()) {
            ExecutorService pool = Executors.newFixedThreadPool(16);
            try {
                List<Future<LocalShardStore.PendingPut>> puts = new ArrayList<>();
                for (byte[] s : shards) {
                    puts.add(pool.submit(() -> store.putGrouped(Sha3.hash(s), s)));
                }
                for (Future<LocalShardStore.PendingPut> f : puts) {
                    LocalShardStore.PendingPut p = f.get(60, TimeUnit.SECONDS);
                    assertThat(p.alreadyPresent()).isFalse();
                    p.await();
                }
            } finally {
                pool.shutdownNow();
            }
            SmallShardStore.Stats stats = store.smallStats();
            assertThat(stats.puts()).isEqualTo(n);
            assertThat(stats.groups()).as("synced writes for %d concurrent puts", n).isLessThan(n);
            for (byte[] s : shards) {
                assertThat(store.get(Sha3.hash(s))).isEqualTo(s);
            }
            // a second put of stored bytes is recognised, and is not the caller's to discard
            assertThat(store.putGrouped(Sha3.hash(shards.get(0)), shards.get(0)).alreadyPresent()).isTrue();
        }
        try (LocalShardStore reopened = open()) {
            Set<Hash256> listed = new HashSet<>();
            reopened.forEach(listed::add);
            for (byte[] s : shards) {
                assertThat(listed).contains(Sha3.hash(s));
                assertThat(reopened.get(Sha3.hash(s))).isEqualTo(s);
            }
            assertThat(reopened.delete(Sha3.hash(shards.get(1)))).isTrue();
            assertThat(reopened.contains(Sha3.hash(shards.get(1)))).isFalse();
        }
    }

    @Test
    void largeShardsStayFilesAndWrongHashesAreRefused() throws Exception {
        try (LocalShardStore store = open()) {
            byte[] big = random(200_000, 1);
            LocalShardStore.PendingPut p = store.putGrouped(Sha3.hash(big), big);
            assertThat(p.durable()).isDone();
            assertThat(Files.isRegularFile(store.pathOf(Sha3.hash(big)))).isTrue();
            byte[] small = random(100, 2);
            NodeException e = org.junit.jupiter.api.Assertions.assertThrows(NodeException.class,
                    () -> store.putGrouped(Sha3.hash(big), small));
            assertThat(e.code()).isEqualTo(NodeErrorCode.HASH_MISMATCH);
            assertThat(store.contains(Sha3.hash(small))).isFalse();
        }
    }

    @Test
    void nothingIsDurableBeforeItsGroupsSyncedWriteReturns() throws Exception {
        CountDownLatch atSync = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean first = new AtomicBoolean(true);
        try (LocalShardStore store = open();
                FaultInjection.Installed stall = FaultInjection.install(SmallShardStore.GROUP_SYNC, ctx -> {
                    if (first.getAndSet(false)) {
                        atSync.countDown();
                        release.await();
                    }
                })) {
            byte[] a = random(1000, 1);
            LocalShardStore.PendingPut pa = store.putGrouped(Sha3.hash(a), a);
            assertThat(atSync.await(30, TimeUnit.SECONDS)).isTrue();
            byte[] b = random(1000, 2);
            LocalShardStore.PendingPut pb = store.putGrouped(Sha3.hash(b), b); // queued for the next group
            // the committer holds a's group at the synced write: nothing is durable yet
            Thread.sleep(200);
            assertThat(pa.durable()).isNotDone();
            assertThat(pb.durable()).isNotDone();
            release.countDown();
            pa.await();
            pb.await();
            assertThat(store.get(Sha3.hash(a))).isEqualTo(a);
            assertThat(store.get(Sha3.hash(b))).isEqualTo(b);
        }
    }

    @Test
    void aFailedGroupWriteFailsEveryWaiterAndStoresNoneOfIt() throws Exception {
        int n = 24;
        CountDownLatch queued = new CountDownLatch(1);
        AtomicInteger failedGroups = new AtomicInteger();
        List<byte[]> shards = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            shards.add(random(2000, 100 + i));
        }
        try (LocalShardStore store = open()) {
            List<LocalShardStore.PendingPut> puts = new ArrayList<>();
            try (FaultInjection.Installed fail = FaultInjection.install(SmallShardStore.GROUP_SYNC, ctx -> {
                queued.await(); // hold the first group until every put is queued, then fail each group
                failedGroups.incrementAndGet();
                throw new IllegalStateException("injected: fsync failed");
            })) {
                for (byte[] s : shards) {
                    puts.add(store.putGrouped(Sha3.hash(s), s));
                }
                queued.countDown();
                for (LocalShardStore.PendingPut p : puts) {
                    assertThatThrownBy(p::await).isInstanceOf(NodeException.class)
                            .hasMessageContaining("failed").hasMessageContaining("injected: fsync failed");
                    assertThat(p.durable()).isCompletedExceptionally();
                }
            }
            assertThat(failedGroups.get()).as("groups").isBetween(1, 2); // the held one and the rest
            for (byte[] s : shards) {
                assertThat(store.contains(Sha3.hash(s))).as("a shard of a failed group").isFalse();
            }
            // the store goes on once the disk does: the same bytes can be put again
            LocalShardStore.PendingPut again = store.putGrouped(Sha3.hash(shards.get(0)), shards.get(0));
            assertThat(again.alreadyPresent()).isFalse();
            again.await();
            assertThat(store.get(Sha3.hash(shards.get(0)))).isEqualTo(shards.get(0));
        }
    }

    @Test
    void aSecondPutOfBytesInFlightWaitsForTheFirst() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (LocalShardStore store = open();
                FaultInjection.Installed stall = FaultInjection.install(SmallShardStore.GROUP_SYNC, ctx -> release.await())) {
            byte[] a = random(500, 7);
            LocalShardStore.PendingPut first = store.putGrouped(Sha3.hash(a), a);
            LocalShardStore.PendingPut second = store.putGrouped(Sha3.hash(a), a);
            assertThat(first.alreadyPresent()).isFalse();
            assertThat(second.alreadyPresent()).isTrue();
            assertThat(second.durable()).isNotDone();
            release.countDown();
            Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> second.durable().isDone());
            second.await();
            CompletableFuture<Void> f = first.durable();
            assertThat(f).isCompleted();
        }
    }
}
