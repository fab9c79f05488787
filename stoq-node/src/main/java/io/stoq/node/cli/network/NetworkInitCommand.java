package io.stoq.node.cli.network;

import io.stoq.crypto.CryptoErrorCode;
import io.stoq.crypto.CryptoException;
import io.stoq.crypto.keys.PemFiles;
import io.stoq.crypto.keys.SecureFiles;
import io.stoq.fragmint.auth.ApiKeys;
import io.stoq.node.accounts.AdminBootstrap;
import io.stoq.node.cli.CommonOptions;
import io.stoq.node.cli.Json;
import io.stoq.node.ledger.CustodialKeys;
import io.stoq.node.peer.PeerNetwork;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code stoq network init}: the once-per-network step of a production network, as
 * {@code stoq dev --nodes N} does it for a development one. It makes what must exist exactly once
 * and be the same on every node: the network's operator key (the ledger's custodial admin, which
 * signs genesis, registrations and revocations; every node holds a copy in {@code DATA/accounts})
 * and the first admin account's API key (the node given {@code network.admin-key-file} makes the
 * account with it on the network ledger). Genesis itself is still proposed by the first voter on
 * an empty ledger ({@code raft.voters}, {@code raft.founders}); this command does not touch a node.
 * It refuses to run over an existing network directory (exit 16): a second operator key or admin
 * key would be a second network.
 */
@Command(name = "init",
        description = {"Create a network's once-only secrets: its operator key and its first admin's API key.",
            "Run it once per network, on the CA host, after `stoq ca init`. It writes into --out:",
            "operator/operator.key.pem and operator.pub.pem: the network's operator key. Copy both into "
                + "every node's DATA/accounts directory before its first start (one key per network, never replaced).",
            "admin.key (0600): the first admin's API key, never printed. Give it to one node (the first voter) "
                + "as network.admin-key-file: once the ledger is up, that node makes the network's `admin` account "
                + "with it and writes the admin's one-time TOTP enrollment code to DATA/dev-admin.enrollment-code. "
                + "The key works on every node. Keep it like a password.",
            "network.properties: the network's name, its id (with --root), the admin key's id and the time.",
            "Refuses to run when --out already holds a network (exit code 16)."},
        footer = {"", "Example (the node steps: docs/operations.md, \"Creating a network\"):",
            "  stoq ca init --ca-dir ca --network prod",
            "  stoq network init --out network --network prod --root ca/root.crt.pem",
            "  # on every node, before its first start:",
            "  cp network/operator/operator.*.pem DATA/accounts",
            "  # in the first voter's config:",
            "  #   network.admin-key-file: DATA/network/admin.key"})
public final class NetworkInitCommand implements Callable<Integer> {
    /** Written last: its presence means the directory holds a complete network. */
    public static final String PROPERTIES = "network.properties";
    public static final String ADMIN_KEY = "admin.key";
    public static final String OPERATOR_DIR = "operator";

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "network",
            description = "Directory to create (default: ${DEFAULT-VALUE}); made owner-only (0700).")
    Path out;

    @Option(names = "--network", defaultValue = "stoq", description = "The network's name (default: ${DEFAULT-VALUE}).")
    String network;

    @Option(names = "--root", paramLabel = "FILE",
            description = "The network CA's root certificate, to record the network id that peers check.")
    Path root;

    @Override
    public Integer call() throws Exception {
        Path operator = out.resolve(OPERATOR_DIR);
        Path adminKey = out.resolve(ADMIN_KEY);
        for (Path existing : new Path[] {out.resolve(PROPERTIES), adminKey, operator.resolve("operator.key.pem")}) {
            if (Files.exists(existing)) {
                throw new CryptoException(CryptoErrorCode.ALREADY_EXISTS, out + " already holds a network (" + existing.getFileName()
                        + " exists); `stoq network init` runs once per network. Copy its files to new nodes instead.");
            }
        }
        String networkId = null;
        if (root != null) {
            networkId = PeerNetwork.networkId(PemFiles.readCertificate(root)).toHex();
        }
        Files.createDirectories(out);
        restrict(out);
        CustodialKeys keys = CustodialKeys.open(operator);
        keys.operatorKey(true);
        ApiKeys.Issued issued = ApiKeys.issue(AdminBootstrap.ADMIN, "network init", Clock.systemUTC().instant(), null);
        SecureFiles.writePrivate(adminKey, (issued.plaintext() + "\n").getBytes(StandardCharsets.US_ASCII));
        StringBuilder props = new StringBuilder()
                .append("# made by `stoq network init`; the files beside this one exist once per network\n")
                .append("network=").append(network).append('\n')
                .append("created=").append(Clock.systemUTC().instant()).append('\n')
                .append("admin-key-id=").append(issued.stored().keyId()).append('\n');
        if (networkId != null) {
            props.append("network-id=").append(networkId).append('\n');
        }
        SecureFiles.writePrivate(out.resolve(PROPERTIES), props.toString().getBytes(StandardCharsets.UTF_8));

        PrintWriter w = spec.commandLine().getOut();
        if (common.json) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("network", network);
            json.put("networkId", networkId);
            json.put("operatorKey", keys.operatorKeyFile().toAbsolutePath().toString());
            json.put("adminKeyFile", adminKey.toAbsolutePath().toString());
            json.put("adminKeyId", issued.stored().keyId());
            Json.print(w, json);
        } else {
            w.printf("Network %s created in %s%n", network, out);
            if (networkId != null) {
                w.printf("  network id     %s%n", networkId);
            }
            w.printf("  operator key   %s (copy with operator.pub.pem into every node's DATA/accounts/)%n", keys.operatorKeyFile());
            w.printf("  admin API key  %s (0600; the first voter's network.admin-key-file)%n", adminKey);
        }
        w.flush();
        return 0;
    }

    private static void restrict(Path dir) {
        try {
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException | java.io.IOException e) {
            // not a POSIX file system: the files inside are still written owner-only where it can
        }
    }
}
