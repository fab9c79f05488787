package io.stoq.shard.chunk;

/**
 * One chunk of the input: its offset in the input and its bytes. {@code data} is owned by the chunk
 * (a fresh array of exactly the chunk's length) and must not be modified once handed on.
 */
public record Chunk(long index, long offset, byte[] data) {
    public int length() {
        return data.length;
    }

    public long end() {
        return offset + data.length;
    }
}
