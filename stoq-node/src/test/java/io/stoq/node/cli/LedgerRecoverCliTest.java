package io.stoq.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.ledger.WalFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code stoq ledger recover --truncate-to HEIGHT} on a bench ledger with one flipped byte in
 * block 20's log record: refused past the damage, refused without confirmation, refused on an
 * intact ledger; with --yes it keeps blocks 0..HEIGHT (re-checked), keeps the old directory whole,
 * records what it dropped, and the result verifies.
 */
@Timeout(300)
class LedgerRecoverCliTest {
    @TempDir
    Path tmp;

    private Path benchLedger(String name) throws Exception {
        Path dir = tmp.resolve(name);
        CliRun bench = CliRun.of("bench", "ledger", "--data", dir.toString(), "--txs", "30", "--block-size", "1", "--accounts", "3", "--warmup-txs", "0");
        assertThat(bench.exitCode()).as(bench.err()).isZero();
        return dir; // genesis, setup and 30 one-tx blocks: heights 0..31, all in one log
    }

    private static void damageBlock(Path ledger, int height) throws Exception {
        Path log = WalFiles.onlyLog(ledger);
        List<List<WalFiles.Rec>> records = WalFiles.logicalRecords(log);
        assertThat(records).hasSize(32);
        WalFiles.Rec r = records.get(height).get(0);
        WalFiles.flip(log, r.payloadStart() + r.length() / 2);
    }

    @Test
    void keepsTheBlocksBeforeTheDamageOnRecord() throws Exception {
        Path ledger = benchLedger("ledger");
        CliRun intact = CliRun.of("ledger", "recover", ledger.toString(), "--truncate-to", "10", "--yes");
        assertThat(intact.exitCode()).isEqualTo(36);
        assertThat(intact.err()).contains("verifies intact");

        damageBlock(ledger, 20);
        CliRun verify = CliRun.of("ledger", "verify", ledger.toString());
        assertThat(verify.exitCode()).isEqualTo(33);
        assertThat(verify.err()).contains("blocks after height 19 cannot be proven intact");

        CliRun tooFar = CliRun.of("ledger", "recover", ledger.toString(), "--truncate-to", "25", "--yes");
        assertThat(tooFar.exitCode()).isEqualTo(36);
        assertThat(tooFar.isOneLineError()).as(tooFar.err()).isTrue();
        assertThat(tooFar.err()).contains("the last block that can be kept is 19");

        CliRun unconfirmed = CliRun.of("ledger", "recover", ledger.toString(), "--truncate-to", "17");
        assertThat(unconfirmed.exitCode()).isEqualTo(30);
        assertThat(unconfirmed.err()).contains("without confirmation");
        assertThat(CliRun.of("ledger", "verify", ledger.toString()).exitCode()).as("nothing changed").isEqualTo(33);

        CliRun recover = CliRun.of("ledger", "recover", ledger.toString(), "--truncate-to", "17", "--yes", "--json");
        assertThat(recover.exitCode()).as(recover.err()).isZero();
        assertThat(recover.json().get("keptThrough").asLong()).isEqualTo(17);
        assertThat(recover.json().get("dropped")).hasSize(2); // 18 and 19; 20..31 lay beyond the damage
        assertThat(recover.json().get("dropped").get(0).get("height").asLong()).isEqualTo(18);
        assertThat(recover.json().get("dropped").get(0).get("hash").asText()).hasSize(64);

        CliRun after = CliRun.of("ledger", "verify", ledger.toString());
        assertThat(after.exitCode()).as(after.err()).isZero();
        assertThat(after.out()).contains("18 blocks (head 17)");
        String record = Files.readString(tmp.resolve("ledger-recovery.log"));
        assertThat(record).contains("truncated to block 17").contains("block 18 ").contains("block 19 ")
                .contains("fails its checksum").contains("ledger.before-recover-");
        Path aside;
        try (Stream<Path> s = Files.list(tmp)) {
            aside = s.filter(p -> p.getFileName().toString().startsWith("ledger.before-recover-")).findFirst().orElseThrow();
        }
        assertThat(CliRun.of("ledger", "verify", aside.toString()).exitCode()).as("the old directory is kept as it was").isEqualTo(33);
        assertThat(ledger.resolve("network-root.pem")).exists();
        assertThat(tmp.resolve("ledger.recovering")).doesNotExist();
    }
}
