package io.stoq.net.shard;

import java.time.Duration;

/** Told of every completed shard transfer, so the node can keep per-peer throughput. */
@FunctionalInterface
public interface TransferListener {
    TransferListener NONE = (nodeId, bytes, elapsed) -> { };

    void transferred(String nodeId, long bytes, Duration elapsed);
}
