package io.stoq.fragmint.testnode;

import io.stoq.fragmint.port.HealthProbe;
import io.stoq.fragmint.port.NodePorts;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;

/**
 * TEST DOUBLE of stoq-node: the complete set of ports fragmint-api needs, backed by memory and a
 * temp directory, so the API can be tested end to end before stoq-node exists. Not a mock: each
 * part behaves like the real service on the points the API relies on (see the part classes).
 */
public final class InMemoryNode {
    public final InMemoryLedger ledger;
    public final InMemoryAccounts accounts;
    public final InMemoryAssets assets;
    public final InMemoryS3Keys s3Keys;
    private volatile HealthProbe.Status readiness = new HealthProbe.Status(true, "ready");

    public InMemoryNode(Path dir, Clock clock) throws IOException {
        this.ledger = new InMemoryLedger(clock);
        this.accounts = new InMemoryAccounts(clock, ledger);
        this.assets = new InMemoryAssets(dir, clock, ledger);
        this.s3Keys = new InMemoryS3Keys(clock);
    }

    public void readiness(HealthProbe.Status s) {
        this.readiness = s;
    }

    public NodePorts ports() {
        return new NodePorts(assets, accounts, ledger, accounts, accounts, ledger, () -> readiness, s3Keys);
    }
}
