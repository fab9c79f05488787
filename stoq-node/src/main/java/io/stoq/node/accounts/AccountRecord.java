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
 *   (version 2 only:)
 *   u32    n, then n x S3 key: string access key id, u64 created ms, bool revoked,
 *          bytes secret access key sealed to the key epoch
 * </pre>
 * A record without S3 keys is written as version 1, byte for byte what nodes built before S3
 * keys were network state write and read; only an account that has an S3 key needs version 2.
 * Immutable.
 */
public record AccountRecord(Role role, String displayName, Instant createdAt, List<StoredApiKey> keys, byte[] sealedTotp,
        byte[] custodialSpki, byte[] sealedCustodialKey, List<S3KeyEntry> s3Keys) {
    private static final int VERSION = 1;
    private static final int VERSION_S3 = 2;
    private static final int MAX_KEYS = 256;

    /**
     * One S3 access key of the account: its secret sealed to the key epoch (SigV4 needs the secret
     * itself, so it cannot be a hash), bound to the key id ({@code NetworkS3Keys}). Revoked keys stay,
     * flagged, so an id is never reused.
     */
    public record S3KeyEntry(String accessKeyId, Instant createdAt, boolean revoked, byte[] sealedSecret) {
        /** The key revoked: its sealed secret is dropped (nothing needs it again), its id kept. */
        public S3KeyEntry asRevoked() {
            return new S3KeyEntry(accessKeyId, createdAt, true, new byte[0]);
        }
    }

    public AccountRecord {
        keys = List.copyOf(keys);
        s3Keys = List.copyOf(s3Keys);
    }

    public AccountRecord(Role role, String displayName, Instant createdAt, List<StoredApiKey> keys, byte[] sealedTotp,
            byte[] custodialSpki, byte[] sealedCustodialKey) {
        this(role, displayName, createdAt, keys, sealedTotp, custodialSpki, sealedCustodialKey, List.of());
    }

    public AccountRecord withS3Keys(List<S3KeyEntry> k) {
        return new AccountRecord(role, displayName, createdAt, keys, sealedTotp, custodialSpki, sealedCustodialKey, k);
    }

    public boolean totpEnrolled() {
        return sealedTotp.length > 0;
    }

    public AccountRecord withRole(Role r) {
        return new AccountRecord(r, displayName, createdAt, keys, sealedTotp, custodialSpki, sealedCustodialKey, s3Keys);
    }

    public AccountRecord withKeys(List<StoredApiKey> k) {
        return new AccountRecord(role, displayName, createdAt, k, sealedTotp, custodialSpki, sealedCustodialKey, s3Keys);
    }

    public AccountRecord withTotp(byte[] sealed) {
        return new AccountRecord(role, displayName, createdAt, keys, sealed, custodialSpki, sealedCustodialKey, s3Keys);
    }

    public byte[] encode(String accountId) {
        CanonicalWriter out = new CanonicalWriter().u8(s3Keys.isEmpty() ? VERSION : VERSION_S3).string(role.wireName()).string(displayName == null ? "" : displayName)
                .u64(createdAt.toEpochMilli()).u32(keys.size());
        for (StoredApiKey k : keys) {
            out.string(k.keyId()).string(k.secretHash()).string(k.label() == null ? "" : k.label()).u64(k.createdAt().toEpochMilli())
                    .u64(k.expiresAt() == null ? 0 : k.expiresAt().toEpochMilli()).bool(k.revoked());
        }
        out.bytes(sealedTotp).bytes(custodialSpki).bytes(sealedCustodialKey);
        if (!s3Keys.isEmpty()) {
            out.u32(s3Keys.size());
            for (S3KeyEntry k : s3Keys) {
                out.string(k.accessKeyId()).u64(k.createdAt().toEpochMilli()).bool(k.revoked()).bytes(k.sealedSecret());
            }
        }
        return out.toBytes();
    }

    public static AccountRecord decode(String accountId, byte[] bytes) throws NodeException {
        try {
            CanonicalReader in = new CanonicalReader(bytes, "account record of " + accountId);
            int version = in.u8("version");
            if (version != VERSION && version != VERSION_S3) {
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
            List<S3KeyEntry> s3 = new ArrayList<>();
            if (version == VERSION_S3) {
                int m = in.count("s3Keys", MAX_KEYS);
                for (int i = 0; i < m; i++) {
                    s3.add(new S3KeyEntry(in.string("accessKeyId", Limits.MAX_NAME_BYTES), Instant.ofEpochMilli(in.u64("s3KeyCreatedAt")),
                            in.bool("s3KeyRevoked"), in.bytes("sealedS3Secret", Limits.MAX_KEY_BYTES * 2)));
                }
            }
            in.finish();
            return new AccountRecord(role, name.isEmpty() ? null : name, created, keys, totp, spki, priv, s3);
        } catch (LedgerException | IllegalArgumentException e) {
            throw new NodeException(NodeErrorCode.CORRUPT_DATA, "the account record of " + accountId + " is malformed: "
                    + e.getMessage(), e);
        }
    }
}
