package io.stoq.node.cli.ca;

import io.stoq.crypto.ca.IssuedCertificate;
import io.stoq.crypto.ca.NodeRole;
import io.stoq.node.cli.CommonOptions;
import io.stoq.node.cli.Json;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code stoq ca list}: every certificate the CA issued, with its status. */
@Command(name = "list", description = "List every node certificate this CA issued, with status valid, expired or revoked.")
public final class CaListCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Mixin
    CaOptions ca;

    @Override
    public Integer call() throws Exception {
        List<IssuedCertificate> issued = ca.open().list();
        PrintWriter out = spec.commandLine().getOut();
        if (common.json) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (IssuedCertificate c : issued) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("serial", c.serialHex());
                row.put("nodeId", c.nodeId());
                row.put("zone", c.zone());
                row.put("roles", c.roles().stream().map(NodeRole::wireName).toList());
                row.put("notBefore", c.notBefore().toString());
                row.put("notAfter", c.notAfter().toString());
                row.put("status", c.status().name().toLowerCase(Locale.ROOT));
                if (c.revocation() != null) {
                    row.put("revokedAt", c.revocation().revokedAt().toString());
                    row.put("reason", c.revocation().reason().name().toLowerCase(Locale.ROOT));
                }
                rows.add(row);
            }
            Json.print(out, Map.of("certificates", rows));
        } else if (issued.isEmpty()) {
            out.println("No certificates issued yet.");
        } else {
            out.printf("%-32s  %-20s  %-10s  %-20s  %-8s  %s%n", "SERIAL", "NODE", "ZONE", "ROLES", "STATUS", "NOT AFTER");
            for (IssuedCertificate c : issued) {
                out.printf("%-32s  %-20s  %-10s  %-20s  %-8s  %s%n", c.serialHex(), c.nodeId(), c.zone(),
                        String.join(",", c.roles().stream().map(NodeRole::wireName).toList()),
                        c.status().name().toLowerCase(Locale.ROOT), c.notAfter());
            }
        }
        out.flush();
        return 0;
    }
}
