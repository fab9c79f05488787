package io.stoq.ledger;

import io.stoq.ledger.block.Block;

/**
 * Told about every block once it is durable and has become the ledger's head, whichever way it
 * arrived: built here ({@link Ledger#commit}, {@link Ledger#commitAll}) or made elsewhere and
 * appended ({@link Ledger#append}, a Raft follower). Whatever a node derives from committed blocks
 * (events, caches) subscribes here, so every node derives the same from the same blocks.
 *
 * <p>Called on the ledger's writer thread, in block order, while the state is exactly the block's
 * (a pipelined {@code commitAll} calls it as each block settles, when later blocks of the batch
 * may be written too). It must return quickly and not call back into the writer; a runtime
 * failure is reported to the JVM's logger and does not undo the block.
 */
@FunctionalInterface
public interface AppliedListener {
    void applied(Block block);
}
