package io.stoq.crypto.hash;

/**
 * SHAKE256 (FIPS 202) on {@link Sha3Sponge}, for outputs of whole 8-byte lanes. It exists for the
 * ledger's state root, which expands every state key/value pair it adds or removes to 2 KiB of
 * SHAKE256: with BouncyCastle's {@code SHAKEDigest} that was a tenth of a ledger's CPU per tx in
 * {@code stoq bench ledger}. {@code Shake256Test} checks it against BouncyCastle.
 *
 * <p>Not thread-safe: one instance per thread; reusable after {@link #output}.
 */
public final class Shake256 {
    private final Sha3Sponge sponge = new Sha3Sponge();

    public Shake256 update(byte b) {
        sponge.update(b);
        return this;
    }

    public Shake256 update(byte[] data) {
        return update(data, 0, data.length);
    }

    public Shake256 update(byte[] data, int offset, int length) {
        if (offset < 0 || length < 0 || offset + length > data.length) {
            throw new IndexOutOfBoundsException("slice [" + offset + ", +" + length + ") of " + data.length + " bytes");
        }
        sponge.update(data, offset, length);
        return this;
    }

    /**
     * Writes the first {@code length} bytes of output into {@code out} at {@code offset}, then
     * starts over with no input.
     *
     * @throws IllegalArgumentException if {@code length} is not a multiple of 8
     */
    public void output(byte[] out, int offset, int length) {
        if (offset < 0 || length < 0 || offset + length > out.length) {
            throw new IndexOutOfBoundsException("slice [" + offset + ", +" + length + ") of " + out.length + " bytes");
        }
        sponge.finishXof(out, offset, length);
    }
}
