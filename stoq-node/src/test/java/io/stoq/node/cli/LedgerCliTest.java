package io.stoq.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;

import io.stoq.ledger.store.LedgerStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue #5 through the real CLI: bench leaves a ledger; verify, prove, check-proof; tampering and bad input. */
class LedgerCliTest {
    @TempDir
    Path tmp;

    private String p(String name) {
        return tmp.resolve(name).toString();
    }

    @Test
    void benchLeavesALedgerThatVerifiesAndProves() throws Exception {
        CliRun bench = CliRun.of("bench", "ledger", "--data", p("bl"), "--txs", "40", "--block-size", "1,20", "--accounts", "3", "--warmup-txs", "0", "--json");
        assertThat(bench.exitCode()).as(bench.err()).isZero();
        assertThat(bench.json().get("rounds")).hasSize(2);
        assertThat(bench.json().get("rounds").get(0).get("ledgerTxsPerSecond").asDouble()).isPositive();
        assertThat(bench.json().get("rounds").get(0).get("blocks").asInt()).isEqualTo(40);
        // Every timed tx is checked in full, as a client's would be (not skipped as signed here).
        assertThat(bench.json().get("rounds").get(0).get("verifiedInFull").asInt()).isEqualTo(40);
        assertThat(bench.json().get("warmupRounds").asInt()).isZero(); // --warmup-txs 0
        assertThat(bench.json().get("heap").asText()).matches("(fixed heap \\d+ MiB|heap \\d+-\\d+ MiB \\(not fixed.*)");
        assertThat(bench.json().get("rounds").get(0).get("ledgerJitMillis").asLong()).isNotNegative();
        JsonNode round = bench.json().get("rounds").get(1);
        assertThat(round.get("verifyRatio").asDouble())
                .isCloseTo(round.get("ledgerTxsPerSecond").asDouble() / round.get("verifyOnlyTxsPerSecond").asDouble(),
                        org.assertj.core.data.Offset.offset(1e-9));
        if (java.nio.file.Files.isDirectory(java.nio.file.Path.of("/proc/self/task"))) {
            // the timed part's CPU by thread group (Linux): something was spent, and nothing negative
            JsonNode byThread = round.get("ledgerCpuByThreadMicrosPerTx");
            assertThat(byThread.size()).isPositive();
            byThread.forEach(us -> assertThat(us.asDouble()).isPositive());
            assertThat(round.get("verifyCpuByThreadMicrosPerTx").size()).isPositive();
        }
        // where the committer's time went, per step, for the round's 2 blocks
        assertThat(round.get("committerSteps").get("headerSignatureMillis").asDouble()).isPositive();
        assertThat(round.get("committerSteps").get("syncedWriteMillis").asDouble()).isPositive();
        assertThat(round.get("committerSteps").get("applyMillis").asDouble()).isPositive();

        CliRun verify = CliRun.of("ledger", "verify", p("bl"));
        assertThat(verify.exitCode()).as(verify.err()).isZero();
        assertThat(verify.out()).startsWith("OK: ").contains("44 blocks").contains("85 txs");

        CliRun show = CliRun.of("ledger", "show", p("bl"), "--block", "5", "--json");
        assertThat(show.exitCode()).as(show.err()).isZero();
        assertThat(show.json().get("version").asInt()).isEqualTo(3); // a new chain is founded in the newest format
        List<String> ids = new ArrayList<>();
        ids.add(show.json().get("txs").get(0).get("id").asText()); // node-proposed block
        CliRun setup = CliRun.of("ledger", "show", p("bl"), "--block", "1", "--json");
        ids.add(setup.json().get("txs").get(0).get("id").asText()); // admin-proposed setup block
        CliRun tx = CliRun.of("ledger", "show", p("bl"), "--tx", ids.get(0));
        assertThat(tx.out()).contains("in block 5 at index 0");
        CliRun head = CliRun.of("ledger", "show", p("bl"));
        assertThat(head.out()).startsWith("block 43 ").contains("(header version 3)");
        String signer = show.json().get("txs").get(0).get("signer").asText();
        CliRun account = CliRun.of("ledger", "show", p("bl"), "--account", signer, "--json");
        assertThat(account.json().get("txs").size()).isGreaterThan(1);
        CliRun prove = CliRun.of("ledger", "prove", ids.get(0), "--data", p("bl"), "--out", p("tx.stqproof"), "--crl",
                p("bl/network-crl.pem"));
        assertThat(prove.exitCode()).as(prove.err()).isZero();
        CliRun check = CliRun.of("ledger", "check-proof", p("tx.stqproof"), "--root", p("bl/network-root.pem"), "--json");
        assertThat(check.exitCode()).as(check.err()).isZero();
        assertThat(check.json().get("valid").asBoolean()).isTrue();
        assertThat(check.json().get("proposerNode").asText()).isEqualTo("bench-node-1");
        assertThat(check.json().get("block").asLong()).isEqualTo(5);
        assertThat(check.json().get("network").asText()).isEqualTo("bench");
        assertThat(check.json().get("proposerRoles").toString()).contains("voter");
        // Without a CRL in the bundle, check-proof needs the CA's: exit 34 without, 0 with --crl.
        assertThat(CliRun.of("ledger", "prove", ids.get(0), "--data", p("bl"), "--out", p("bare.stqproof")).exitCode()).isZero();
        CliRun bare = CliRun.of("ledger", "check-proof", p("bare.stqproof"), "--root", p("bl/network-root.pem"));
        assertThat(bare.exitCode()).isEqualTo(34);
        assertThat(bare.err()).contains("give the verifier the CA's current crl.pem");
        assertThat(CliRun.of("ledger", "check-proof", p("bare.stqproof"), "--root", p("bl/network-root.pem"), "--crl",
                p("bl/network-crl.pem")).exitCode()).isZero();

        // A proof checked against another network's root, and a damaged proof file: exit 34, one line.
        assertThat(CliRun.of("ca", "init", "--ca-dir", p("other-ca"), "--network", "other").exitCode()).isZero();
        CliRun foreign = CliRun.of("ledger", "check-proof", p("tx.stqproof"), "--root", p("other-ca/root.crt.pem"));
        assertThat(foreign.exitCode()).isEqualTo(34);
        assertThat(foreign.isOneLineError()).as(foreign.err()).isTrue();
        byte[] bytes = Files.readAllBytes(tmp.resolve("tx.stqproof"));
        bytes[bytes.length / 2] ^= 0x10;
        Files.write(tmp.resolve("bad.stqproof"), bytes);
        CliRun damaged = CliRun.of("ledger", "check-proof", p("bad.stqproof"), "--root", p("bl/network-root.pem"));
        assertThat(damaged.exitCode()).isIn(30, 34);
        assertThat(damaged.isOneLineError()).as(damaged.err()).isTrue();
        // The setup block was proposed by the admin account: provable, but not checkable against the root.
        assertThat(CliRun.of("ledger", "prove", ids.get(1), "--data", p("bl"), "--out", p("admin.stqproof")).exitCode()).isZero();
        assertThat(CliRun.of("ledger", "check-proof", p("admin.stqproof"), "--root", p("bl/network-root.pem")).exitCode()).isEqualTo(34);

        // Tamper with one stored state value: verify names a block and exits 33 with one line.
        try (LedgerStore store = LedgerStore.open(tmp.resolve("bl"))) {
            byte[][] first = new byte[2][];
            store.rawScan(LedgerStore.Family.STATE, (k, v) -> {
                if (first[0] == null) {
                    first[0] = k;
                    first[1] = v;
                }
            });
            first[1][first[1].length - 1] ^= 1;
            store.rawPut(LedgerStore.Family.STATE, first[0], first[1]);
        }
        CliRun tampered = CliRun.of("ledger", "verify", p("bl"));
        assertThat(tampered.exitCode()).isEqualTo(33);
        assertThat(tampered.isOneLineError()).as(tampered.err()).isTrue();
        assertThat(tampered.err()).contains("block ").contains("differs from the replay");
    }

    @Test
    void badInputGetsOneLineErrors() {
        CliRun missing = CliRun.of("ledger", "verify", p("nothing-here"));
        assertThat(missing.exitCode()).isEqualTo(35);
        assertThat(missing.isOneLineError()).as(missing.err()).isTrue();
        CliRun badId = CliRun.of("ledger", "prove", "xyz", "--data", p("nothing-here"));
        assertThat(badId.exitCode()).isEqualTo(30);
        assertThat(badId.isOneLineError()).as(badId.err()).isTrue();
        CliRun badShow = CliRun.of("ledger", "show", p("nothing-here"), "--asset", "zz");
        assertThat(badShow.isOneLineError()).as(badShow.err()).isTrue();
        CliRun badSize = CliRun.of("bench", "ledger", "--data", p("b"), "--block-size", "0");
        assertThat(badSize.exitCode()).isEqualTo(30);
        assertThat(CliRun.of("ledger", "--help").out()).contains("verify").contains("prove").contains("check-proof");
    }
}
