package io.stoq.net.shard;

import io.stoq.net.MessageType;
import io.stoq.net.NetErrorCode;
import io.stoq.net.NetException;
import io.stoq.net.PeerRequest;
import io.stoq.net.Responder;
import io.stoq.net.transport.StoqTransport;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.OptionalLong;

/**
 * Serves {@code get-shard} and {@code put-shard} from a {@link ShardStore}. Bytes stream both
 * ways with QUIC flow control: a read is written to the peer as the store produces it, a write
 * is read from the peer as the store consumes it; neither is held whole here. A put larger than
 * {@code maxShardBytes} is refused before a byte of it is read.
 */
public final class ShardService {
    private final ShardStore store;
    private final long maxShardBytes;

    public ShardService(ShardStore store, long maxShardBytes) {
        this.store = store;
        this.maxShardBytes = maxShardBytes;
    }

    /** Registers both handlers on a transport being built. */
    public StoqTransport.Builder register(StoqTransport.Builder builder) {
        return builder.handle(MessageType.GET_SHARD, this::get).handle(MessageType.PUT_SHARD, this::put);
    }

    private void get(PeerRequest request, Responder responder) throws NetException, IOException {
        ShardMessages.Range range = ShardMessages.parseGet(request.args());
        OptionalLong size = store.size(range.id());
        if (size.isEmpty()) {
            throw new NetException(NetErrorCode.NOT_FOUND, "this node holds no shard " + range.id().toHex());
        }
        long total = size.getAsLong();
        if (range.offset() > total) {
            throw new NetException(NetErrorCode.BAD_REQUEST, "offset " + range.offset() + " is past the end of shard "
                    + range.id().toHex() + " (" + total + " bytes)");
        }
        long length = Math.min(range.length(), total - range.offset());
        if (length == 0) {
            responder.reply(ShardMessages.getMeta(total, range.offset(), 0));
            return;
        }
        try (OutputStream out = responder.replyStreaming(ShardMessages.getMeta(total, range.offset(), length))) {
            store.read(range.id(), range.offset(), length, out);
        }
    }

    private void put(PeerRequest request, Responder responder) throws NetException, IOException {
        ShardMessages.Range shard = ShardMessages.parsePut(request.args());
        if (shard.length() > maxShardBytes) {
            throw new NetException(NetErrorCode.REFUSED, "a shard of " + shard.length() + " bytes exceeds the limit of " + maxShardBytes);
        }
        if (!request.hasBody()) {
            throw new NetException(NetErrorCode.BAD_REQUEST, "put-shard needs a body");
        }
        InputStream body = request.body();
        boolean stored = store.write(shard.id(), shard.length(), body);
        if (body.read() != -1) {
            throw new NetException(NetErrorCode.INTEGRITY, "the body is longer than the " + shard.length() + " bytes announced");
        }
        responder.reply(new byte[] {(byte) (stored ? 0 : 1)});
    }
}
