package io.stoq.node.accounts;

import io.stoq.fragmint.port.AuditRecord;
import io.stoq.fragmint.port.Role;
import java.nio.file.Path;
import java.time.Clock;

/**
 * Child process for {@link KillNineTest}: opens a data directory, then appends audit records and
 * TOTP counters from two threads forever, printing each one on stdout only after the call returned
 * (i.e. after it was acknowledged as durable). The parent kills it with SIGKILL.
 */
public final class AuditCrashChild {
    private AuditCrashChild() {}

    public static void main(String[] args) throws Exception {
        Clock clock = Clock.systemUTC();
        NodeAccounts node = NodeAccounts.open(Path.of(args[0]), clock);
        node.accounts().create("carol", Role.WRITER, null);
        System.out.println("ready");
        System.out.flush();
        Thread counters = new Thread(() -> {
            try {
                for (long c = 1; ; c++) {
                    if (node.accounts().markTotpCounterUsed("carol", c)) {
                        synchronized (System.out) {
                            System.out.println("totp " + c);
                            System.out.flush();
                        }
                    }
                }
            } catch (Exception e) {
                e.printStackTrace();
            }
        });
        counters.setDaemon(true);
        counters.start();
        while (true) {
            AuditRecord r = node.audit().append(new AuditRecord(0, clock.instant(), "carol", null, "getAsset",
                    "GET", "/v1/assets/x", AuditRecord.Outcome.ALLOWED, 200, "127.0.0.1"));
            synchronized (System.out) {
                System.out.println("audit " + r.seq());
                System.out.flush();
            }
        }
    }
}
