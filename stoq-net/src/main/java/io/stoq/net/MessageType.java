package io.stoq.net;

/**
 * What a request asks for: a 16-bit code on the wire plus a name for logs and metrics. Codes
 * below {@code 0x100} are stoq-net's own ({@link #PING}, {@link #GOSSIP}, the shard transfers);
 * the node registers its own from {@code 0x100} up (ledger forwarding, Raft, audits).
 */
public record MessageType(int code, String name) {
    /** Echoes its arguments; heartbeats and RTT measurement. */
    public static final MessageType PING = new MessageType(0x01, "ping");
    /** Exchange of signed node records (discovery). */
    public static final MessageType GOSSIP = new MessageType(0x02, "gossip");
    /** Reads a shard, or a byte range of it, as a streamed body. */
    public static final MessageType GET_SHARD = new MessageType(0x10, "get-shard");
    /** Stores a shard sent as a streamed body. */
    public static final MessageType PUT_SHARD = new MessageType(0x11, "put-shard");

    public MessageType {
        if (code < 1 || code > 0xFFFF) {
            throw new IllegalArgumentException("message type code must be 1..65535, got " + code);
        }
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("message type " + code + " needs a name");
        }
    }

    @Override
    public String toString() {
        return name + String.format("(0x%04x)", code);
    }
}
