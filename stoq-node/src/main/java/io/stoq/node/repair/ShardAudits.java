package io.stoq.node.repair;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.net.MessageType;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import io.stoq.net.PeerConnection;
import io.stoq.net.PeerRequest;
import io.stoq.net.Reply;
import io.stoq.net.Responder;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.peer.PeerNetwork;
import io.stoq.node.store.ShardStore;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.concurrent.Semaphore;

/**
 * The audit challenge ({@code audit-shard}, node message type {@code 0x0140}): the challenger
 * names a shard the peer's location proof claims, a byte range and a fresh 32-byte nonce; the
 * peer answers {@code SHA3-256(nonce || bytes[offset, offset + length))} of its copy. The nonce is
 * new for every challenge and the range random, so a peer that dropped the shard and kept only
 * its hash (or yesterday's answers) cannot answer; it must read the bytes.
 *
 * <p>The peer reads its copy through its store's verifying read ({@link ShardStore#get}): a copy
 * that no longer hashes to its name is quarantined there and the challenge fails with
 * {@code INTEGRITY}, so an audit also finds rot the peer had not noticed. The challenger computes
 * the expected answer from bytes it verified against the shard's hash itself (its own copy, or a
 * copy fetched from another holder and checked on receipt).
 *
 * <p>Wire: arguments {@code u8 version (1) · 32 shard hash · u64 offset · u32 length (1..1 MiB)
 * · 32 nonce}; reply metadata the 32-byte digest. Errors {@code BAD_REQUEST} (malformed, or a
 * range past the shard's end), {@code NOT_FOUND} (not held), {@code INTEGRITY} (held but
 * corrupt, now quarantined), {@code BUSY} beyond {@value #CONCURRENT} audits served at once
 * (each reads up to a whole shard from disk).
 *
 * <p><b>{@code repair-read}</b> (node message type {@code 0x0141}) is the whole-copy read of
 * audits and repair: arguments {@code u8 version (1) · 32 hash}; reply metadata {@code u64 size},
 * the copy as a streamed body, read through the same verifying read (so a corrupt copy is
 * quarantined and refused with {@code INTEGRITY}). It is {@code get-shard} without the count of
 * reads served: a node's {@code stoq_shard_reads_served_total} is its client read load (what
 * {@code ReadSpreadTest} and read routing look at), and the copies audits and repair fetch from
 * it are not. At most {@value #READS_CONCURRENT} are served at once ({@code BUSY} beyond); the
 * challenger takes the copy only if it hashes to its name.
 *
 * <p>Thread-safe.
 */
public final class ShardAudits {
    public static final MessageType TYPE = new MessageType(0x0140, "audit-shard");
    public static final MessageType READ = new MessageType(0x0141, "repair-read");
    static final int CONCURRENT = 2;
    static final int READS_CONCURRENT = 4;
    static final int MAX_RANGE = 1 << 20;
    private static final byte WIRE_VERSION = 1;
    private static final int ARGS = 1 + 32 + 8 + 4 + 32;

    /** One challenge: the range asked for and the nonce. */
    record Challenge(Hash256 shard, long offset, int length, byte[] nonce) {
        /** A fresh challenge over a random range of at most {@code maxRange} bytes of a shard of {@code size} bytes. */
        static Challenge random(Hash256 shard, long size, int maxRange, SecureRandom random) {
            byte[] nonce = new byte[32];
            random.nextBytes(nonce);
            if (size == 0) {
                return new Challenge(shard, 0, 0, nonce);
            }
            int length = (int) Math.min(size, maxRange);
            long offset = size == length ? 0 : (long) (random.nextDouble() * (size - length + 1));
            return new Challenge(shard, Math.min(offset, size - length), length, nonce);
        }

        /** The answer a holder of {@code bytes} (the whole shard) gives. */
        byte[] answer(byte[] bytes) {
            return digest(nonce, bytes, (int) offset, length);
        }

        byte[] encode() {
            return ByteBuffer.allocate(ARGS).put(WIRE_VERSION).put(shard.toBytes()).putLong(offset).putInt(length).put(nonce).array();
        }
    }

    private final ShardStore local;
    private final Semaphore serving = new Semaphore(CONCURRENT);
    private final Semaphore reading = new Semaphore(READS_CONCURRENT);

    ShardAudits(ShardStore local) {
        this.local = local;
    }

    /** Answers {@code audit-shard} from now on. */
    void serve(PeerNetwork peers) {
        peers.handle(TYPE, this::onAudit);
        peers.handle(READ, this::onRead);
    }

    /**
     * Reads {@code hash} whole from {@code c} with {@code repair-read}, refusing more than
     * {@code maxBytes} before a byte is read and bytes that do not hash to it ({@code INTEGRITY}).
     */
    static byte[] read(PeerConnection c, Hash256 hash, long maxBytes) throws NetException, java.io.IOException {
        String from = c.peer().nodeId();
        try (Reply r = c.call(READ, ByteBuffer.allocate(33).put(WIRE_VERSION).put(hash.toBytes()).array())) {
            byte[] meta = r.meta();
            if (meta.length != 8) {
                throw new NetException(NetErrorCode.PROTOCOL_VIOLATION, "repair-read: metadata of " + meta.length + " bytes");
            }
            long size = ByteBuffer.wrap(meta).getLong();
            if (size < 0 || size > maxBytes) {
                throw new NetException(NetErrorCode.REFUSED, "node " + from + " offers " + hash.toHex() + " of " + size
                        + " bytes, over store.max-shard-size (" + maxBytes + " bytes)");
            }
            byte[] bytes = r.body().readNBytes((int) size);
            if (bytes.length != size || r.body().read() != -1) {
                throw new NetException(NetErrorCode.INTEGRITY, "node " + from + " sent " + hash.toHex() + " not in the "
                        + size + " bytes it announced");
            }
            if (!Sha3.hash(bytes).equals(hash)) {
                throw new NetException(NetErrorCode.INTEGRITY, "the bytes node " + from + " sent as " + hash.toHex()
                        + " do not hash to it; discarded");
            }
            return bytes;
        }
    }

    private void onRead(PeerRequest request, Responder responder) throws NetException, java.io.IOException {
        byte[] args = request.args();
        if (args.length != 33 || args[0] != WIRE_VERSION) {
            throw new NetException(NetErrorCode.BAD_REQUEST, "repair-read: malformed arguments");
        }
        Hash256 hash = Hash256.of(Arrays.copyOfRange(args, 1, 33));
        if (!reading.tryAcquire()) {
            throw new NetException(NetErrorCode.BUSY, READS_CONCURRENT + " repair reads are being answered");
        }
        try {
            byte[] bytes = verifiedCopy(hash);
            try (java.io.OutputStream out = responder.replyStreaming(ByteBuffer.allocate(8).putLong(bytes.length).array())) {
                for (int pos = 0; pos < bytes.length; pos += 64 * 1024) {
                    out.write(bytes, pos, Math.min(64 * 1024, bytes.length - pos));
                }
            }
        } finally {
            reading.release();
        }
    }

    /** This node's copy of {@code hash}, verified whole (a corrupt one is quarantined), or the refusal to send. */
    private byte[] verifiedCopy(Hash256 shard) throws NetException {
        try {
            return local.get(shard);
        } catch (NodeException e) {
            if (e.code() == NodeErrorCode.NOT_FOUND) {
                throw new NetException(NetErrorCode.NOT_FOUND, "shard " + shard.toHex() + " is not held here");
            }
            if (e.code() == NodeErrorCode.CORRUPT_DATA) {
                throw new NetException(NetErrorCode.INTEGRITY, e.getMessage());
            }
            throw new NetException(NetErrorCode.INTERNAL, "shard " + shard.toHex() + " could not be read: " + e.getMessage());
        }
    }

    /** Sends the challenge over {@code c}; the digest, or the peer's refusal as a {@link NetException}. */
    static byte[] ask(PeerConnection c, Challenge challenge) throws NetException {
        try (Reply r = c.call(TYPE, challenge.encode())) {
            byte[] meta = r.meta();
            if (meta.length != 32) {
                throw new NetException(NetErrorCode.PROTOCOL_VIOLATION, "audit-shard: an answer of " + meta.length + " bytes");
            }
            return meta;
        }
    }

    private void onAudit(PeerRequest request, Responder responder) throws NetException, java.io.IOException {
        byte[] args = request.args();
        if (args.length != ARGS || args[0] != WIRE_VERSION) {
            throw new NetException(NetErrorCode.BAD_REQUEST, "audit-shard: malformed arguments");
        }
        ByteBuffer in = ByteBuffer.wrap(args, 1, ARGS - 1);
        byte[] h = new byte[32];
        in.get(h);
        Hash256 shard = Hash256.of(h);
        long offset = in.getLong();
        int length = in.getInt();
        byte[] nonce = new byte[32];
        in.get(nonce);
        if (offset < 0 || length < 0 || length > MAX_RANGE) {
            throw new NetException(NetErrorCode.BAD_REQUEST, "audit-shard: a range of " + length + " bytes at " + offset);
        }
        if (!serving.tryAcquire()) {
            throw new NetException(NetErrorCode.BUSY, CONCURRENT + " audits are being answered");
        }
        try {
            byte[] bytes = verifiedCopy(shard); // verifies the whole copy; a corrupt one is quarantined
            if (offset + length > bytes.length) {
                throw new NetException(NetErrorCode.BAD_REQUEST, "audit-shard: the range ends past shard " + shard.toHex()
                        + " (" + bytes.length + " bytes)");
            }
            responder.reply(digest(nonce, bytes, (int) offset, length));
        } finally {
            serving.release();
        }
    }

    static byte[] digest(byte[] nonce, byte[] bytes, int offset, int length) {
        byte[] in = new byte[nonce.length + length];
        System.arraycopy(nonce, 0, in, 0, nonce.length);
        System.arraycopy(bytes, offset, in, nonce.length, length);
        return Sha3.hash(in).toBytes();
    }

    static boolean matches(byte[] expected, byte[] answer) {
        return java.security.MessageDigest.isEqual(expected, answer);
    }

    static String hex(byte[] b) {
        return Hash256.of(Arrays.copyOf(b, 32)).toHex();
    }
}
