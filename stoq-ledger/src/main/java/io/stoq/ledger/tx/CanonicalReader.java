package io.stoq.ledger.tx;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.sign.SignatureAlgorithm;
import io.stoq.ledger.LedgerErrorCode;
import io.stoq.ledger.LedgerException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads the encoding {@link CanonicalWriter} writes, refusing anything that is not canonical: a
 * truncated field, a length over its limit, invalid UTF-8, a bad boolean, trailing bytes. Every
 * failure is a {@link LedgerException} with {@link LedgerErrorCode#MALFORMED} naming the field.
 *
 * <p>Not thread-safe; one instance per decoding.
 */
public final class CanonicalReader {
    private final byte[] data;
    private final String what;
    private int pos;

    public CanonicalReader(byte[] data, String what) {
        this.data = data;
        this.what = what;
    }

    public int u8(String field) throws LedgerException {
        need(1, field);
        return data[pos++] & 0xFF;
    }

    public int u32(String field) throws LedgerException {
        need(4, field);
        int v = ((data[pos] & 0xFF) << 24) | ((data[pos + 1] & 0xFF) << 16) | ((data[pos + 2] & 0xFF) << 8) | (data[pos + 3] & 0xFF);
        pos += 4;
        return v;
    }

    public long u64(String field) throws LedgerException {
        need(8, field);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (data[pos++] & 0xFF);
        }
        return v;
    }

    public boolean bool(String field) throws LedgerException {
        int b = u8(field);
        if (b > 1) {
            throw malformed(field + " is not a boolean (" + b + ")");
        }
        return b == 1;
    }

    public byte[] bytes(String field, int maxLength) throws LedgerException {
        int length = u32(field);
        if (length < 0 || length > maxLength) {
            throw malformed(field + " is " + Integer.toUnsignedString(length) + " bytes, limit " + maxLength);
        }
        need(length, field);
        byte[] out = Arrays.copyOfRange(data, pos, pos + length);
        pos += length;
        return out;
    }

    public byte[] raw(String field, int length) throws LedgerException {
        need(length, field);
        byte[] out = Arrays.copyOfRange(data, pos, pos + length);
        pos += length;
        return out;
    }

    public String string(String field, int maxBytes) throws LedgerException {
        byte[] utf8 = bytes(field, maxBytes);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(utf8))
                    .toString();
        } catch (CharacterCodingException e) {
            throw malformed(field + " is not valid UTF-8");
        }
    }

    public Hash256 hash(String field) throws LedgerException {
        return Hash256.of(raw(field, Hash256.LENGTH));
    }

    public List<Hash256> hashes(String field, int maxCount) throws LedgerException {
        int count = count(field, maxCount);
        List<Hash256> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(hash(field));
        }
        return List.copyOf(out);
    }

    public List<byte[]> byteList(String field, int maxCount, int maxItemLength) throws LedgerException {
        int count = count(field, maxCount);
        List<byte[]> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(bytes(field, maxItemLength));
        }
        return List.copyOf(out);
    }

    /** Reads a list count and checks it against {@code maxCount}. */
    public int count(String field, int maxCount) throws LedgerException {
        int count = u32(field);
        if (count < 0 || count > maxCount) {
            throw malformed(field + " has " + Integer.toUnsignedString(count) + " items, limit " + maxCount);
        }
        return count;
    }

    /** Bytes not yet read. */
    public int remaining() {
        return data.length - pos;
    }

    /** Fails unless every byte was consumed: trailing bytes would make two encodings of one value. */
    public void finish() throws LedgerException {
        if (pos != data.length) {
            throw malformed((data.length - pos) + " trailing bytes");
        }
    }

    /**
     * A u8 signature algorithm code (field {@code "algorithm"}); an unknown code is malformed with
     * the message {@code "unknown <what> <code>"}.
     */
    public SignatureAlgorithm signatureAlgorithm(String what) throws LedgerException {
        int code = u8("algorithm");
        try {
            return SignatureAlgorithm.fromCode(code);
        } catch (CryptoException e) {
            throw malformed("unknown " + what + " " + code);
        }
    }

    public LedgerException malformed(String detail) {
        return new LedgerException(LedgerErrorCode.MALFORMED, "malformed " + what + ": " + detail);
    }

    private void need(int n, String field) throws LedgerException {
        if (n < 0 || data.length - pos < n) {
            throw malformed("truncated at " + field);
        }
    }
}
