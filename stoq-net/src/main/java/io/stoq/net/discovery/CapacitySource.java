package io.stoq.net.discovery;

/** How much this node can store, as its node record announces it; asked at every gossip round. */
@FunctionalInterface
public interface CapacitySource {
    /** Total and free bytes of the shard store. */
    record Capacity(long totalBytes, long freeBytes) {}

    Capacity capacity();
}
