import io.stoq.node.ledger.CustodialKeys;
import java.nio.file.Path;

/**
 * Makes the network's operator key (the custodial admin that signs genesis, registrations and
 * account keys) once, for the compose network's ca-init step. Every node of one Raft ledger must
 * hold the same operator key before its first start, and `stoq node run` would otherwise make a
 * different one on each node. There is no `stoq` command for it yet (`stoq dev --nodes` does the
 * same in-process), so the image compiles this against the node's jar. Idempotent: an existing
 * key is kept.
 */
public final class OperatorKey {
    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: OperatorKey DIR");
            System.exit(2);
        }
        CustodialKeys keys = CustodialKeys.open(Path.of(args[0]));
        keys.operatorKey(true);
        System.out.println("operator key: " + keys.operatorKeyFile());
    }
}
