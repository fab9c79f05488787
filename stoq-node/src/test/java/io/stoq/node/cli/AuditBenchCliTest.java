package io.stoq.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code stoq bench audit} runs both sides and reports; no speed is asserted. */
class AuditBenchCliTest {
    @TempDir
    Path dir;

    @Test
    void reportsGroupCommitAndBaselineForEachRound() throws Exception {
        CliRun run = CliRun.of("bench", "audit", dir.resolve("b").toString(), "--threads", "1,4", "--records", "40", "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode rounds = run.json().path("rounds");
        assertThat(rounds).hasSize(2);
        for (JsonNode r : rounds) {
            assertThat(r.path("records").asInt()).isEqualTo(40);
            assertThat(r.path("groupCommitPerSecond").asDouble()).isPositive();
            assertThat(r.path("baselinePerSecond").asDouble()).isPositive();
        }
        assertThat(rounds.get(1).path("threads").asInt()).isEqualTo(4);
    }

    @Test
    void refusesANonEmptyDirectory() throws Exception {
        Files.writeString(dir.resolve("x"), "x");
        CliRun run = CliRun.of("bench", "audit", dir.toString());
        assertThat(run.exitCode()).isEqualTo(40);
        assertThat(run.isOneLineError()).as(run.err()).isTrue();
    }
}
