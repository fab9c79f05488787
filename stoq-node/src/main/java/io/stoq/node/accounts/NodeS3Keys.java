package io.stoq.node.accounts;

import io.stoq.crypto.CryptoException;
import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.S3KeyStore;
import io.stoq.node.accounts.NodeDb.Cf;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * S3 access keys in the node database ({@link Cf#S3_KEYS}). SigV4 needs the secret itself to
 * recompute a signature, so it cannot be stored as a hash like an API key: it is sealed with
 * AES-256-GCM under the node's {@link SecretsKey} (the TOTP secrets' key), with the key id as
 * AAD so a sealed secret moved to another key id does not open. Revoked keys stay (flagged) so
 * an id is never reused.
 *
 * <p>Record: {@code u8 version=1, UTF accountId, i64 created ms, bool revoked, i32 n, n bytes sealed secret}.
 *
 * <p>Node-local: the store of a node on its own ledger. On a Raft network S3 keys are network
 * state ({@link NetworkS3Keys}); the keys a data directory from before that holds here are moved
 * there once at start ({@link NetworkS3Keys#migrateLocal}). Thread-safe (RocksDB; writes synchronized).
 */
public final class NodeS3Keys implements S3KeyStore {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    private final NodeDb db;
    private final SecretsKey secrets;
    private final Clock clock;

    NodeS3Keys(NodeDb db, SecretsKey secrets, Clock clock) {
        this.db = db;
        this.secrets = secrets;
        this.clock = clock;
    }

    private record Stored(String accountId, Instant created, boolean revoked, byte[] sealed) {}

    private static byte[] aad(String keyId) {
        return ("s3-key:" + keyId).getBytes(StandardCharsets.UTF_8);
    }

    /** A fresh access key id: {@code STOQ} and 16 random base-32 characters (80 bits), 20 in all as AWS's. */
    static String newKeyId() {
        StringBuilder id = new StringBuilder("STOQ");
        for (int i = 0; i < 16; i++) {
            id.append(ID_ALPHABET.charAt(RANDOM.nextInt(ID_ALPHABET.length())));
        }
        return id.toString();
    }

    /** A fresh secret access key: 30 random bytes in base 64, 40 characters as AWS secrets. */
    static String newSecret() {
        byte[] raw = new byte[30];
        RANDOM.nextBytes(raw);
        return Base64.getEncoder().encodeToString(raw);
    }

    @Override
    public synchronized S3Key create(String accountId) throws ApiException {
        StringBuilder id = new StringBuilder(newKeyId());
        String secret = newSecret();
        Instant now = clock.instant();
        try {
            byte[] sealed = secrets.seal(aad(id.toString()), secret.getBytes(StandardCharsets.UTF_8));
            db.put(Cf.S3_KEYS, id.toString().getBytes(StandardCharsets.UTF_8), encode(new Stored(accountId, now, false, sealed)));
        } catch (CryptoException | RocksDBException e) {
            throw new ApiException(ApiError.UNAVAILABLE, "cannot store the S3 key: " + e.getMessage(), e);
        }
        return new S3Key(id.toString(), accountId, secret, now);
    }

    @Override
    public Optional<S3Key> find(String accessKeyId) throws ApiException {
        try {
            byte[] v = db.get(Cf.S3_KEYS, accessKeyId.getBytes(StandardCharsets.UTF_8));
            if (v == null) {
                return Optional.empty();
            }
            Stored s = decode(v);
            if (s.revoked()) {
                return Optional.empty();
            }
            String secret = new String(secrets.open(aad(accessKeyId), s.sealed()), StandardCharsets.UTF_8);
            return Optional.of(new S3Key(accessKeyId, s.accountId(), secret, s.created()));
        } catch (CryptoException e) {
            throw new ApiException(ApiError.INTERNAL, "the sealed secret of S3 key " + accessKeyId + " does not open with this node's "
                    + "secrets key", e);
        } catch (RocksDBException | IOException e) {
            throw new ApiException(ApiError.UNAVAILABLE, "cannot read S3 key " + accessKeyId + ": " + e.getMessage(), e);
        }
    }

    /**
     * Every live key with its secret opened, for moving them onto the network ledger
     * ({@link NetworkS3Keys#migrateLocal}).
     */
    public List<S3Key> liveKeys() throws ApiException {
        List<String> ids = new ArrayList<>();
        try (RocksIterator it = db.iterator(Cf.S3_KEYS)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                if (!decode(it.value()).revoked()) {
                    ids.add(new String(it.key(), StandardCharsets.UTF_8));
                }
            }
            it.status();
        } catch (RocksDBException | IOException e) {
            throw new ApiException(ApiError.UNAVAILABLE, "cannot list S3 keys: " + e.getMessage(), e);
        }
        List<S3Key> out = new ArrayList<>();
        for (String id : ids) {
            find(id).ifPresent(out::add);
        }
        return out;
    }

    @Override
    public List<S3Key> list(String accountId) throws ApiException {
        List<S3Key> out = new ArrayList<>();
        try (RocksIterator it = db.iterator(Cf.S3_KEYS)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                Stored s = decode(it.value());
                if (!s.revoked() && s.accountId().equals(accountId)) {
                    out.add(new S3Key(new String(it.key(), StandardCharsets.UTF_8), accountId, "", s.created()));
                }
            }
            it.status();
        } catch (RocksDBException | IOException e) {
            throw new ApiException(ApiError.UNAVAILABLE, "cannot list S3 keys: " + e.getMessage(), e);
        }
        return out;
    }

    @Override
    public synchronized void revoke(String accountId, String accessKeyId) throws ApiException {
        try {
            byte[] k = accessKeyId.getBytes(StandardCharsets.UTF_8);
            byte[] v = db.get(Cf.S3_KEYS, k);
            Stored s = v == null ? null : decode(v);
            if (s == null || s.revoked() || !s.accountId().equals(accountId)) {
                throw new ApiException(ApiError.NOT_FOUND, "account " + accountId + " has no live S3 key " + accessKeyId);
            }
            db.put(Cf.S3_KEYS, k, encode(new Stored(s.accountId(), s.created(), true, s.sealed())));
        } catch (RocksDBException | IOException e) {
            throw new ApiException(ApiError.UNAVAILABLE, "cannot revoke S3 key " + accessKeyId + ": " + e.getMessage(), e);
        }
    }

    private static byte[] encode(Stored s) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(1);
            out.writeUTF(s.accountId());
            out.writeLong(s.created().toEpochMilli());
            out.writeBoolean(s.revoked());
            out.writeInt(s.sealed().length);
            out.write(s.sealed());
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory cannot fail", e);
        }
        return bytes.toByteArray();
    }

    private static Stored decode(byte[] v) throws IOException {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(v))) {
            if (in.readByte() != 1) {
                throw new IOException("unknown S3 key record version");
            }
            String account = in.readUTF();
            Instant created = Instant.ofEpochMilli(in.readLong());
            boolean revoked = in.readBoolean();
            int n = in.readInt();
            if (n < 0 || n > 4096) {
                throw new IOException("S3 key record damaged");
            }
            return new Stored(account, created, revoked, in.readNBytes(n));
        }
    }
}
