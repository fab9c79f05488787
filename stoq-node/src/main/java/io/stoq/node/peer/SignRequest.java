package io.stoq.node.peer;

import io.stoq.crypto.hash.Hash256;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.tx.CanonicalReader;
import io.stoq.ledger.tx.CanonicalWriter;
import io.stoq.ledger.tx.Limits;
import io.stoq.ledger.tx.TxBody;
import io.stoq.ledger.tx.TxType;
import io.stoq.net.MessageType;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import io.stoq.node.ledger.Committed;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The {@code ledger-sign} message (node type 0x0121): a member asks the Raft leader to sign and
 * commit a tx for a signer every node holds (the operator key or a network account's custodial
 * key), so that one node assigns that signer's nonces ({@link LeaderSigning}).
 *
 * <pre>
 * args:  u8 version (1) | string signer ("" = the operator key, else an API account id)
 *        | u32 n | n x string account that must be registered first | u8 tx type | bytes body (canonical)
 * reply: metadata u8 version (1), then a body: 0x00 keep-alive bytes (one every 500 ms while the
 *        commit is under way: a commit may outlast the peer layer's no-progress timeout), then
 *        0x01 | u32 length | the outcome, and the end of the body. The outcome:
 *        u8 status
 *          1 COMMITTED: hash tx id | u64 height | u32 index in the block | u64 block time (ms)
 *          2 REJECTED:  string reason (RejectReason name) | string message     (never committed)
 *          3 FAILED:    string node error code | string message | bool never committed
 * refused: an ERROR (REFUSED) instead of the reply when the sender is not a registered member or
 *        the leader cannot sign for that signer (it holds no share of the epoch the key is sealed
 *        to, or does not know the account yet): nothing was signed there, the member signs itself.
 * </pre>
 * (strings and bytes in the ledger's canonical encoding: u32 length, then the bytes.)
 */
record SignRequest(String signer, List<String> mustExist, TxBody body) {
    static final MessageType TYPE = new MessageType(0x0121, "ledger-sign");
    static final int VERSION = 1;
    static final int COMMITTED = 1;
    static final int REJECTED = 2;
    static final int FAILED = 3;
    /** Operator key, or an account id as CustodialKeys accepts them. */
    private static final Pattern ACCOUNT = Pattern.compile("|[a-z0-9._-]{1,64}");
    private static final int MAX_MUST_EXIST = 8;

    SignRequest {
        mustExist = List.copyOf(mustExist);
    }

    byte[] encode() {
        CanonicalWriter out = new CanonicalWriter().u8(VERSION).string(signer).u32(mustExist.size());
        mustExist.forEach(out::string);
        CanonicalWriter b = new CanonicalWriter();
        body.encode(b);
        return out.u8(body.type().code()).bytes(b.toBytes()).toBytes();
    }

    static SignRequest decode(byte[] args) throws NetException {
        try {
            CanonicalReader in = new CanonicalReader(args, "ledger-sign");
            int version = in.u8("version");
            if (version != VERSION) {
                throw new NetException(NetErrorCode.BAD_REQUEST, "ledger-sign version " + version + " is not " + VERSION);
            }
            String signer = account(in.string("signer", 64));
            int n = in.count("mustExist", MAX_MUST_EXIST);
            List<String> must = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                must.add(account(in.string("mustExist", 64)));
            }
            TxType type = TxType.fromCode(in.u8("type"), in);
            byte[] bodyBytes = in.bytes("body", Limits.MAX_TX_BYTES);
            in.finish();
            CanonicalReader body = new CanonicalReader(bodyBytes, "ledger-sign body");
            TxBody decoded = TxBody.decode(type, body);
            body.finish();
            if (type == TxType.GENESIS) {
                throw new NetException(NetErrorCode.BAD_REQUEST, "ledger-sign cannot carry a genesis");
            }
            return new SignRequest(signer, must, decoded);
        } catch (LedgerException e) {
            throw new NetException(NetErrorCode.BAD_REQUEST, "malformed ledger-sign request: " + e.getMessage());
        }
    }

    private static String account(String s) throws NetException {
        if (!ACCOUNT.matcher(s).matches()) {
            throw new NetException(NetErrorCode.BAD_REQUEST, "ledger-sign names an invalid account id");
        }
        return s;
    }

    static byte[] committed(Committed c) {
        return new CanonicalWriter().u8(COMMITTED).hash(c.txId()).u64(c.height()).u32(c.index()).u64(c.time().toEpochMilli()).toBytes();
    }

    static byte[] rejected(String reason, String message) {
        return new CanonicalWriter().u8(REJECTED).string(reason).string(clip(message)).toBytes();
    }

    static byte[] failed(String code, String message, boolean neverCommitted) {
        return new CanonicalWriter().u8(FAILED).string(code).string(clip(message)).bool(neverCommitted).toBytes();
    }

    /** Writes one keep-alive byte (a heartbeat thread; the stream is shared with the outcome). */
    static void keepAlive(java.io.OutputStream out) {
        synchronized (out) {
            try {
                out.write(0);
                out.flush();
            } catch (java.io.IOException e) {
                // the caller went away; the outcome write fails too and ends the stream
            }
        }
    }

    /** Writes the outcome frame and ends the body. */
    static void writeOutcome(java.io.OutputStream out, byte[] outcome) throws java.io.IOException {
        synchronized (out) {
            out.write(1);
            out.write(new byte[] {(byte) (outcome.length >>> 24), (byte) (outcome.length >>> 16), (byte) (outcome.length >>> 8),
                    (byte) outcome.length});
            out.write(outcome);
            out.close();
        }
    }

    private static String clip(String s) {
        String m = s == null ? "" : s;
        return m.length() > 200 ? m.substring(0, 200) : m;
    }

    /** A decoded reply. */
    record Answer(int status, Committed committed, String code, String message, boolean neverCommitted) {
        /**
         * Reads the reply: its metadata must be the version and a body must follow (keep-alive
         * bytes, then the outcome frame); anything else is a malformed answer, named as such.
         */
        static Answer read(io.stoq.net.Reply reply) throws java.io.IOException {
            byte[] meta = reply.meta();
            if (!reply.hasBody() || meta.length != 1 || meta[0] != VERSION) {
                throw new java.io.IOException("malformed ledger-sign answer: " + (reply.hasBody() ? "" : "no body, ")
                        + "metadata of " + meta.length + " bytes where the version byte " + VERSION + " was expected");
            }
            return read(reply.body());
        }

        /** Reads the body: keep-alive bytes, then the outcome frame. */
        static Answer read(java.io.InputStream body) throws java.io.IOException {
            while (true) {
                int b = body.read();
                if (b == 0) {
                    continue;
                }
                if (b != 1) {
                    throw new java.io.IOException(b < 0 ? "the answer ended before its outcome" : "unknown ledger-sign frame " + b);
                }
                byte[] len = body.readNBytes(4);
                int n = len.length == 4 ? ((len[0] & 0xFF) << 24) | ((len[1] & 0xFF) << 16) | ((len[2] & 0xFF) << 8) | (len[3] & 0xFF) : -1;
                if (n < 1 || n > 4096) {
                    throw new java.io.IOException("ledger-sign outcome of " + n + " bytes");
                }
                byte[] outcome = body.readNBytes(n);
                if (outcome.length != n) {
                    throw new java.io.IOException("the answer ended inside its outcome");
                }
                try {
                    return decode(outcome);
                } catch (LedgerException e) {
                    throw new java.io.IOException("malformed ledger-sign outcome: " + e.getMessage(), e);
                }
            }
        }

        static Answer decode(byte[] meta) throws LedgerException {
            CanonicalReader in = new CanonicalReader(meta, "ledger-sign reply");
            int status = in.u8("status");
            Answer a = switch (status) {
                case COMMITTED -> {
                    Hash256 id = in.hash("txId");
                    long height = in.u64("height");
                    int index = (int) in.u32("index");
                    yield new Answer(status, new Committed(id, height, index, Instant.ofEpochMilli(in.u64("time"))), null, null, false);
                }
                case REJECTED -> new Answer(status, null, in.string("reason", 64), in.string("message", 1024), true);
                case FAILED -> new Answer(status, null, in.string("code", 64), in.string("message", 1024), in.bool("never"));
                default -> throw in.malformed("unknown ledger-sign status " + status);
            };
            in.finish();
            return a;
        }
    }
}
