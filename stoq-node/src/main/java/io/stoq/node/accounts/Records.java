package io.stoq.node.accounts;

import io.stoq.fragmint.port.Account;
import io.stoq.fragmint.port.AuditRecord;
import io.stoq.fragmint.port.EnrollmentCode;
import io.stoq.fragmint.port.Role;
import io.stoq.fragmint.port.StoredApiKey;
import io.stoq.fragmint.port.TotpAttempts;
import io.stoq.fragmint.port.TotpSecret;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;

/**
 * Binary encodings of the records kept in {@link NodeDb}. Each value starts with a version byte so
 * a later format can be read beside this one. Strings are modified UTF-8 with a presence flag for
 * nullable fields; instants are epoch seconds plus nanos.
 *
 * <p>Why hand-written and not JSON: the records are small and fixed, the audit log is appended on
 * every request, and this keeps the node free of a Jackson time module for storage.
 */
final class Records {
    private static final int V1 = 1;
    private static final int V2 = 2;

    private Records() {}

    static byte[] account(Account a) {
        return write(out -> {
            out.writeUTF(a.id());
            out.writeUTF(a.role().name());
            optString(out, a.displayName());
            out.writeBoolean(a.totpEnrolled());
            instant(out, a.createdAt());
        });
    }

    static Account account(byte[] bytes) {
        return read(bytes, in -> new Account(in.readUTF(), Role.valueOf(in.readUTF()), optString(in),
                in.readBoolean(), instant(in)));
    }

    static byte[] apiKey(StoredApiKey k) {
        return write(out -> {
            out.writeUTF(k.keyId());
            out.writeUTF(k.accountId());
            out.writeUTF(k.secretHash());
            optString(out, k.label());
            instant(out, k.createdAt());
            out.writeBoolean(k.expiresAt() != null);
            if (k.expiresAt() != null) {
                instant(out, k.expiresAt());
            }
            out.writeBoolean(k.revoked());
        });
    }

    static StoredApiKey apiKey(byte[] bytes) {
        return read(bytes, in -> new StoredApiKey(in.readUTF(), in.readUTF(), in.readUTF(), optString(in),
                instant(in), in.readBoolean() ? instant(in) : null, in.readBoolean()));
    }

    /** Plaintext encoding of a TOTP secret; only ever stored sealed. */
    static byte[] totp(TotpSecret s) {
        return write(out -> {
            byte[] key = s.key();
            out.writeShort(key.length);
            out.write(key);
            out.writeUTF(s.algorithm());
            out.writeByte(s.digits());
            out.writeInt(s.periodSeconds());
        });
    }

    static TotpSecret totp(byte[] bytes) {
        return read(bytes, in -> {
            byte[] key = new byte[in.readUnsignedShort()];
            in.readFully(key);
            return new TotpSecret(key, in.readUTF(), in.readUnsignedByte(), in.readInt());
        });
    }

    static byte[] totpAttempts(TotpAttempts a) {
        return write(out -> {
            out.writeInt(a.failures());
            optInstant(out, a.windowStart());
            out.writeInt(a.lockouts());
            optInstant(out, a.lockedUntil());
        });
    }

    static TotpAttempts totpAttempts(byte[] bytes) {
        return read(bytes, in -> new TotpAttempts(in.readInt(), optInstant(in), in.readInt(), optInstant(in)));
    }

    static byte[] enrollmentCode(EnrollmentCode c) {
        return write(out -> {
            out.writeUTF(c.codeHash());
            out.writeUTF(c.createdBy());
            instant(out, c.createdAt());
            instant(out, c.expiresAt());
        });
    }

    static EnrollmentCode enrollmentCode(byte[] bytes) {
        return read(bytes, in -> new EnrollmentCode(in.readUTF(), in.readUTF(), instant(in), instant(in)));
    }

    /** Version 2 appends {@code count}; version 1 records (written before aggregation) read as count 1. */
    static byte[] audit(AuditRecord r) {
        return write(V2, out -> {
            out.writeLong(r.seq());
            instant(out, r.at());
            out.writeUTF(r.actor());
            optString(out, r.credentialId());
            out.writeUTF(r.operation());
            out.writeUTF(r.method());
            out.writeUTF(r.path());
            out.writeUTF(r.outcome().name());
            out.writeShort(r.status());
            optString(out, r.remote());
            out.writeLong(r.count());
        });
    }

    static AuditRecord audit(byte[] bytes) {
        return read(bytes, V2, (version, in) -> new AuditRecord(in.readLong(), instant(in), in.readUTF(),
                optString(in), in.readUTF(), in.readUTF(), in.readUTF(), AuditRecord.Outcome.valueOf(in.readUTF()),
                in.readUnsignedShort(), optString(in), version >= V2 ? in.readLong() : 1));
    }

    static byte[] longKey(long v) {
        byte[] b = new byte[8];
        for (int i = 7; i >= 0; i--) {
            b[i] = (byte) v;
            v >>>= 8;
        }
        return b;
    }

    static long longOf(byte[] b) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[i] & 0xff);
        }
        return v;
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private interface Reader<T> {
        T read(DataInputStream in) throws IOException;
    }

    private interface VersionedReader<T> {
        T read(int version, DataInputStream in) throws IOException;
    }

    private static byte[] write(Writer w) {
        return write(V1, w);
    }

    private static byte[] write(int version, Writer w) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(version);
            w.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // cannot happen on a byte array
        }
        return bytes.toByteArray();
    }

    private static <T> T read(byte[] bytes, Reader<T> r) {
        return read(bytes, V1, (version, in) -> r.read(in));
    }

    private static <T> T read(byte[] bytes, int newest, VersionedReader<T> r) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            int version = in.readUnsignedByte();
            if (version < V1 || version > newest) {
                throw new IllegalStateException("unknown record version " + version);
            }
            return r.read(version, in);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalStateException("corrupt record in node database: " + e.getMessage(), e);
        }
    }

    private static void optString(DataOutputStream out, String s) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) {
            out.writeUTF(s);
        }
    }

    private static String optString(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }

    private static void optInstant(DataOutputStream out, Instant t) throws IOException {
        out.writeBoolean(t != null);
        if (t != null) {
            instant(out, t);
        }
    }

    private static Instant optInstant(DataInputStream in) throws IOException {
        return in.readBoolean() ? instant(in) : null;
    }

    private static void instant(DataOutputStream out, Instant t) throws IOException {
        out.writeLong(t.getEpochSecond());
        out.writeInt(t.getNano());
    }

    private static Instant instant(DataInputStream in) throws IOException {
        return Instant.ofEpochSecond(in.readLong(), in.readInt());
    }
}
