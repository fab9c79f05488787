package io.stoq.node.accounts;

import io.stoq.fragmint.port.Role;
import io.stoq.fragmint.port.StoredApiKey;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.tx.CanonicalReader;
import io.stoq.ledger.tx.CanonicalWriter;
import io.stoq.ledger.tx.Limits;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One revision of an API account as network state: the {@code record} bytes of an
 * {@code ACCOUNT_RECORD} tx. Holds what every node needs to authenticate and act for the account,
 * never a secret in clear: API keys only as hashes; the TOTP secret and the custodial ledger key's
 * private part sealed to the key epoch ({@link io.stoq.node.keys.EpochKeys#seal}).
 *
 * <pre>
 *   u8     version (1)
 *   string role (admin, operator, writer, reader, auditor)
 *   string display name ("" for none)
 *   u64    created at (ms since the epoch)
 *   u32    n, then n x API key: string key id, string secret hash, string label, u64 created ms,
 *          u64 expires ms (0 = never), bool revoked
 *   bytes  TOTP secret sealed to the key epoch (empty: not enrolled)
 *   bytes  custodial ledger key, public (SPKI)
 *   bytes  custodial ledger key, private (PKCS#8) sealed to the key epoch
 * </pre>
 * Immutable.
 */
public record AccountRecord(Role role, String displayName, Instant createdAt, List<StoredApiKey> keys, byte[] sealedTotp,
        byte[] custodialSpki, byte[] sealedCustodialKey) {
    private static final int VERSION = 1;
    private static final int MAX_KEYS = 256;

    public AccountRecord {
        keys = List.copyOf(keys);
    }

    public boolean totpEnrolled() {
        return sealedTotp.length > 0;
    }

    public AccountRecord withRole(Role r) {
        return new AccountRecord(r, displayName, createdAt, keys, sealedTotp, custodialSpki, sealedCustodialKey);
    }

    public AccountRecord withKeys(List<StoredApiKey> k) {
        return new AccountRecord(role, displayName, createdAt, k, sealedTotp, custodialSpki, sealedCustodialKey);
    }

    public AccountRecord withTotp(byte[] sealed) {
        return new AccountRecord(role, displayName, createdAt, keys, sealed, custodialSpki, sealedCustodialKey);
    }

    public byte[] encode(String accountId) {
        CanonicalWriter out = new CanonicalWriter().u8(VERSION).string(role.wireName()).string(displayName == null ? "" : displayName)
                .u64(createdAt.toEpochMilli()).u32(keys.size());
        for (StoredApiKey k : keys) {
            out.string(k.keyId()).string(k.secretHash()).string(k.label() == null ? "" : k.label()).u64(k.createdAt().toEpochMilli())
                    .u64(k.expiresAt() == null ? 0 : k.expiresAt().toEpochMilli()).bool(k.revoked());
        }
        return out.bytes(sealedTotp).bytes(custodialSpki).bytes(sealedCustodialKey).toBytes();
    }

    public static AccountRecord decode(String accountId, byte[] bytes) throws NodeException {
        try {
            CanonicalReader in = new CanonicalReader(bytes, "account record of " + accountId);
            int version = in.u8("version");
            if (version != VERSION) {
                throw new NodeException(NodeErrorCode.CORRUPT_DATA, "account record version " + version + " of account " + accountId
                        + " is not one this node reads");
            }
            Role role = Role.valueOf(in.string("role", 32).toUpperCase(Locale.ROOT));
            String name = in.string("displayName", Limits.MAX_NAME_BYTES);
            Instant created = Instant.ofEpochMilli(in.u64("createdAt"));
            int n = in.count("keys", MAX_KEYS);
            List<StoredApiKey> keys = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                String keyId = in.string("keyId", Limits.MAX_NAME_BYTES);
                String hash = in.string("secretHash", Limits.MAX_NAME_BYTES);
                String label = in.string("label", Limits.MAX_NAME_BYTES);
                Instant keyCreated = Instant.ofEpochMilli(in.u64("keyCreatedAt"));
                long expires = in.u64("expiresAt");
                keys.add(new StoredApiKey(keyId, accountId, hash, label.isEmpty() ? null : label, keyCreated,
                        expires == 0 ? null : Instant.ofEpochMilli(expires), in.bool("revoked")));
            }
            byte[] totp = in.bytes("sealedTotp", Limits.MAX_KEY_BYTES * 2);
            byte[] spki = in.bytes("custodialSpki", Limits.MAX_KEY_BYTES);
            byte[] priv = in.bytes("sealedCustodialKey", Limits.MAX_KEY_BYTES * 4);
            in.finish();
            return new AccountRecord(role, name.isEmpty() ? null : name, created, keys, totp, spki, priv);
        } catch (LedgerException | IllegalArgumentException e) {
            throw new NodeException(NodeErrorCode.CORRUPT_DATA, "the account record of " + accountId + " is malformed: "
                    + e.getMessage(), e);
        }
    }
}
