package io.stoq.net;

import java.net.InetSocketAddress;

/**
 * Fault injection for tests, off unless a transport is built with one
 * ({@code StoqTransport.Builder#packetFilter}): decides, per UDP datagram, whether the transport
 * drops it instead of sending or receiving it. Dropping every datagram of a node partitions it
 * from the network exactly as a dead link would (QUIC connections go silent and time out,
 * heartbeats are lost); letting them through again heals it. Called on the transport's event
 * loops for every datagram: it must be fast and must not block.
 */
@FunctionalInterface
public interface PacketFilter {
    /** True to drop a datagram to or from {@code remote}. */
    boolean drops(InetSocketAddress remote);
}
