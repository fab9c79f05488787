package io.stoq.net.shard;

import java.io.IOException;

/** Where a parallel download puts each range; called from several threads, at distinct positions. */
@FunctionalInterface
public interface RangeSink {
    void write(long position, byte[] bytes, int offset, int length) throws IOException;
}
