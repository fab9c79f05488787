package io.stoq.node.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.ledger.WalFiles;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.cli.StoqCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * A real node's data directory with one flipped byte (in the ledger's write-ahead log, in a
 * ledger table, in the account database's log): {@code StoqNode.start} refuses it with
 * {@code CORRUPT_DATA} naming the file and what is at risk, {@code stoq node run} exits 41 with
 * one line, and {@code stoq ledger verify} exits 33 naming the damage. Before, the node started
 * on the ledger with the later blocks silently gone.
 */
@Timeout(300)
class DamagedDataTest {

    /** Acknowledged uploads by alice, one block each (the writer cuts a block every 5 ms). */
    private static void upload(TestNode t, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            upload(t, ("asset " + i + " ").repeat(200).getBytes(StandardCharsets.UTF_8));
        }
    }

    /** One acknowledged upload of {@code data} by alice. */
    private static void upload(TestNode t, byte[] data) throws Exception {
        var r = t.send(t.request("/v1/assets", "alice").header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(data)).build());
        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(201);
    }

    /** Runs {@code stoq ARGS} in-process; returns exit code and stderr. */
    private static String[] cli(String... args) {
        CommandLine cli = StoqCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new String[] {Integer.toString(code), err.toString().strip(), out.toString()};
    }

    private static Path config(TestNode t) throws Exception {
        Path yaml = t.dir.resolve("node-test.yaml");
        Files.writeString(yaml, "data:\n  dir: " + t.dir + "\napi:\n  port: 0\nstore:\n  min-free: 0B\npeer:\n  bind: 127.0.0.1:0\n");
        return yaml;
    }

    /** The node refuses: at start, through the CLI (exit 41, one line), both naming {@code file}. */
    private static void assertRefused(TestNode t, String file, String atRisk) throws Exception {
        assertThatThrownBy(t::start).isInstanceOfSatisfying(NodeException.class, e -> {
            assertThat(e.code()).isEqualTo(NodeErrorCode.CORRUPT_DATA);
            assertThat(e.getMessage()).contains(file).contains(atRisk).doesNotContain("\n");
        });
        String[] run = cli("node", "run", "--config", config(t).toString());
        assertThat(run[0]).isEqualTo("41");
        assertThat(run[1]).startsWith("stoq: error: ").contains(file).doesNotContain("\n").doesNotContain("Exception");
    }

    @Test
    void aFlippedByteInAnAcknowledgedBlocksLogRecordStopsTheNode() throws Exception {
        try (TestNode t = new TestNode()) {
            upload(t, 3);
            t.node.close();
            Path ledger = t.dir.resolve("ledger");
            Path log = WalFiles.onlyLog(ledger);
            List<List<WalFiles.Rec>> records = WalFiles.logicalRecords(log);
            assertThat(records.size()).as("genesis, setup and the upload blocks").isGreaterThanOrEqualTo(5);
            WalFiles.Rec firstUploadBlock = records.get(2).get(0);
            WalFiles.flip(log, firstUploadBlock.payloadStart() + firstUploadBlock.length() / 2);

            String file = "ledger/" + log.getFileName();
            assertRefused(t, file, "blocks after height 1 cannot be proven intact");
            String[] verify = cli("ledger", "verify", ledger.toString());
            assertThat(verify[0]).isEqualTo("33");
            assertThat(verify[1]).startsWith("stoq: error: ").contains(file).contains("blocks after height 1").doesNotContain("\n");
        }
    }

    @Test
    void aFlippedByteInALedgerTableStopsTheNode() throws Exception {
        try (TestNode t = new TestNode()) {
            upload(t, 3);
            t.restart(); // replays the log into tables
            t.node.close();
            Path ledger = t.dir.resolve("ledger");
            Path table = WalFiles.largest(ledger, ".sst");
            assertThat(table).isNotNull();
            WalFiles.flip(table, 20);

            String file = "ledger/" + table.getFileName();
            assertRefused(t, file, "fails its checksums");
            String[] verify = cli("ledger", "verify", ledger.toString(), "--json");
            assertThat(verify[0]).isEqualTo("33");
            assertThat(verify[2]).contains("\"ok\" : false").contains("\"damagedFile\" : \"" + file + "\"");
        }
    }

    @Test
    void aFlippedByteInTheAccountDatabasesLogStopsTheNode() throws Exception {
        try (TestNode t = new TestNode()) {
            upload(t, 1);
            t.node.close();
            Path db = t.dir.resolve("node-db");
            Path log = WalFiles.onlyLog(db);
            List<List<WalFiles.Rec>> records = WalFiles.logicalRecords(log);
            assertThat(records.size()).as("accounts, keys, TOTP secrets, audit records").isGreaterThan(4);
            WalFiles.Rec middle = records.get(records.size() / 2).get(0);
            WalFiles.flip(log, middle.payloadStart() + middle.length() / 2);

            assertRefused(t, "node-db/" + log.getFileName(), "audit changes written after that record cannot be proven intact");
        }
    }

    @Test
    void aFlippedByteInTheSmallShardStoresLogStopsTheNode() throws Exception {
        try (TestNode t = new TestNode()) {
            upload(t, 3); // 1.4 KiB each: shard and manifest in the small shard store
            t.node.close();
            Path db = t.dir.resolve("shards/small");
            Path log = WalFiles.onlyLog(db);
            List<List<WalFiles.Rec>> records = WalFiles.logicalRecords(log);
            assertThat(records.size()).as("one synced group per upload at least").isGreaterThanOrEqualTo(3);
            WalFiles.Rec first = records.get(0).get(0);
            WalFiles.flip(log, first.payloadStart() + first.length() / 2);

            assertRefused(t, "shards/small/" + log.getFileName(), "small shards and manifests written after it cannot be proven intact");
        }
    }

    /** Small shards of 4 KiB and more go to the store's blob files, which RocksDB's table check does not read. */
    @Test
    void aFlippedByteInTheSmallShardStoresBlobFileStopsTheNode() throws Exception {
        try (TestNode t = new TestNode()) {
            byte[] data = new byte[20_000];
            new java.util.Random(7).nextBytes(data); // incompressible: a ~20 KB shard, under store.small-shard-max
            upload(t, data);
            t.restart(); // replays the log into a table and a blob file
            t.node.close();
            Path blob = WalFiles.largest(t.dir.resolve("shards/small"), ".blob");
            assertThat(blob).as("the shard moved to a blob file by the recovery flush").isNotNull();
            WalFiles.flip(blob, java.nio.file.Files.size(blob) / 2);

            assertRefused(t, "shards/small/" + blob.getFileName() + " has a record whose key and value fail their checksum",
                    "what the small shard store keeps in it cannot be proven intact");
        }
    }
}
