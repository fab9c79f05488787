package io.stoq.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.keys.PemFiles;
import io.stoq.ledger.store.LedgerStore;
import io.stoq.ledger.verify.ChainVerifier;
import io.stoq.ledger.verify.VerifyReport;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash safety: a child JVM commits blocks and acknowledges each; we SIGKILL it at random points
 * (often in the middle of a commit) several times. After every kill the store must hold every
 * acknowledged block with the acknowledged hash and state root, and nothing partial: the chain
 * verifies end to end (no block, tx or state write beyond the head).
 */
class CrashIT {
    @TempDir
    Path tmp;

    @Test
    void killMinus9NeverLosesAnAcknowledgedBlockNorLeavesAPartialOne() throws Exception {
        TestNetwork net = new TestNetwork();
        Path priv = tmp.resolve("admin.key");
        Path pub = tmp.resolve("admin.pub");
        Path root = tmp.resolve("root.pem");
        PemFiles.writePrivateKey(priv, net.admin.privateKey(), null);
        PemFiles.writePublicKey(pub, net.admin.publicKey());
        PemFiles.writeCertificates(root, List.of(net.root));
        Path dir = tmp.resolve("ledger");
        Map<Long, String[]> acked = new TreeMap<>();
        Random random = new Random(20261124L);
        int kills = 8;
        int committedButUnacknowledged = 0;
        for (int round = 0; round < kills; round++) {
            Process child = start(dir, priv, pub, root);
            int waitFor = 1 + random.nextInt(12);
            int seen = 0;
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; seen < waitFor && (line = lines.readLine()) != null; ) {
                    if (line.startsWith("ACK ")) {
                        String[] f = line.split(" ");
                        acked.put(Long.parseLong(f[1]), new String[] {f[2], f[3]});
                        seen++;
                    }
                }
                Thread.sleep(random.nextInt(15)); // land the kill at a random point of a later commit
                child.destroyForcibly();
                assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(seen).as("child in round %d acknowledged blocks; stderr: %s", round,
                    Files.readString(tmp.resolve("child.err"))).isEqualTo(waitFor);
            try (LedgerStore store = LedgerStore.openReadOnly(dir)) {
                long head = store.head().height();
                long maxAcked = ((TreeMap<Long, String[]>) acked).lastKey();
                assertThat(head).isGreaterThanOrEqualTo(maxAcked);
                if (head > maxAcked) {
                    committedButUnacknowledged++; // killed after the WAL sync but before we read the ACK: allowed
                }
                for (Map.Entry<Long, String[]> e : acked.entrySet()) {
                    assertThat(store.header(e.getKey()).hash()).isEqualTo(Hash256.ofHex(e.getValue()[0]));
                    assertThat(store.header(e.getKey()).stateRoot()).isEqualTo(Hash256.ofHex(e.getValue()[1]));
                }
                VerifyReport report = new ChainVerifier(store, true).verify();
                assertThat(report.ok()).as(report.reason()).isTrue();
                assertThat(report.txs()).isEqualTo(1 + 25 * head);
            }
        }
        assertThat(acked.size()).isGreaterThan(kills);
        System.out.printf("CrashIT: %d kills, %d acknowledged blocks, %d rounds ended with a committed block not yet acknowledged%n",
                kills, acked.size(), committedButUnacknowledged);
    }

    private static Process start(Path dir, Path priv, Path pub, Path root) throws Exception {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "-cp", classpath, CrashWriter.class.getName(),
                dir.toString(), priv.toString(), pub.toString(), root.toString()));
        return new ProcessBuilder(cmd).redirectError(dir.resolveSibling("child.err").toFile()).start();
    }
}
