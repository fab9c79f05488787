package io.stoq.fragmint.port;

import java.util.Objects;

/**
 * Everything the API needs from the node, in one value: stoq-node builds one and hands it to
 * {@code ApiServer}. No field may be null.
 */
public record NodePorts(AssetService assets, TokenService tokens, LedgerView ledger,
        AccountStore accounts, AuditLog audit, EventSource events, HealthProbe health, S3KeyStore s3Keys) {
    /** Ports of a node without S3 keys: the s3-keys routes answer 503. */
    public NodePorts(AssetService assets, TokenService tokens, LedgerView ledger, AccountStore accounts, AuditLog audit,
            EventSource events, HealthProbe health) {
        this(assets, tokens, ledger, accounts, audit, events, health, S3KeyStore.NONE);
    }

    public NodePorts {
        Objects.requireNonNull(s3Keys, "s3Keys");
        Objects.requireNonNull(assets, "assets");
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(ledger, "ledger");
        Objects.requireNonNull(accounts, "accounts");
        Objects.requireNonNull(audit, "audit");
        Objects.requireNonNull(events, "events");
        Objects.requireNonNull(health, "health");
    }
}
