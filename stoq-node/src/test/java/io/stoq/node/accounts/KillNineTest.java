package io.stoq.node.accounts;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.fragmint.port.AuditLog;
import io.stoq.fragmint.port.AuditRecord;
import io.stoq.fragmint.port.PageRequest;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL a process in the middle of synced writes, reopen: every acknowledged audit record and
 * TOTP counter is there (the WAL was fsynced before the ack), and the log is readable.
 */
class KillNineTest {
    @TempDir
    Path data;

    @Test
    void acknowledgedWritesSurviveKillNine() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                AuditCrashChild.class.getName(), data.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Set<Long> acked = new HashSet<>();
        long lastTotp = 0;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            assertThat(out.readLine()).isEqualTo("ready");
            String line;
            while (acked.size() < 300 && (line = out.readLine()) != null) {
                if (line.startsWith("audit ")) {
                    acked.add(Long.parseLong(line.substring(6)));
                } else if (line.startsWith("totp ")) {
                    lastTotp = Long.parseLong(line.substring(5));
                }
            }
            child.destroyForcibly(); // SIGKILL on Unix
            child.waitFor();
        } finally {
            child.destroyForcibly();
        }
        assertThat(acked).hasSize(300);
        try (NodeAccounts node = NodeAccounts.open(data, Clock.systemUTC())) {
            List<AuditRecord> all = new ArrayList<>();
            String cursor = null;
            do {
                var page = node.audit().query(new AuditLog.Query(null, null, null, null), new PageRequest(cursor, 500));
                all.addAll(page.items());
                cursor = page.nextCursor();
            } while (cursor != null);
            Set<Long> stored = new HashSet<>();
            all.forEach(r -> stored.add(r.seq()));
            assertThat(stored).containsAll(acked);
            assertThat(all).allMatch(r -> r.actor().equals("carol"));
            if (lastTotp > 0) {
                assertThat(node.accounts().markTotpCounterUsed("carol", lastTotp)).as("replay after crash").isFalse();
            }
            long next = node.audit().append(all.get(0)).seq();
            assertThat(next).isGreaterThan(all.get(all.size() - 1).seq());
        }
    }
}
