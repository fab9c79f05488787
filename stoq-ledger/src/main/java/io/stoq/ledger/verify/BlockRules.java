package io.stoq.ledger.verify;

import io.stoq.crypto.ca.NodeRole;
import io.stoq.crypto.hash.Hash256;
import io.stoq.ledger.LedgerErrorCode;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.block.Block;
import io.stoq.ledger.block.BlockHeader;
import io.stoq.ledger.state.LedgerState;
import io.stoq.ledger.state.StateHash;
import io.stoq.ledger.state.StateMachine;
import io.stoq.ledger.state.StateOverlay;
import io.stoq.ledger.state.StateRecords.Account;
import io.stoq.ledger.state.StateRecords.Node;
import io.stoq.ledger.state.StateView;
import io.stoq.ledger.tx.NetworkId;
import io.stoq.ledger.tx.Role;
import io.stoq.ledger.tx.TxType;
import io.stoq.ledger.validate.BlockContext;
import java.time.Instant;

/**
 * Checks that a block follows from its predecessor and the state before it: height and previous
 * hash link, tx count and merkle root, non-decreasing time, a valid signature (for this network) by
 * an authorised proposer (see {@link #proposerProblem}; for block 0 the genesis signer), every tx accepted,
 * and the state root it claims. A follower applying a block from consensus and {@code verify}
 * re-walking the chain use the same rules. Stateless and thread-safe.
 */
public final class BlockRules {
    private BlockRules() {}

    /**
     * Returns the state machine's outcome for {@code block}, or throws INVALID_BLOCK naming the
     * block and the first rule it breaks. {@code previous} and {@code before} are null for block
     * 0, whose header chooses the chain's format; every later block must keep it. A block read back
     * from this node's own store that fails here is damage, and its callers say so (CORRUPT).
     */
    public static StateMachine.Outcome check(Block block, BlockHeader previous, StateView base, StateHash before,
            boolean parallelSignatures) throws LedgerException {
        BlockHeader h = block.header();
        if (previous != null && h.format() != previous.format()) {
            throw bad(h.height(), "header version " + h.format().headerVersion() + " in a chain of version "
                    + previous.format().headerVersion() + " (a chain keeps the format its block 0 chose)");
        }
        StateHash start = previous == null ? new StateHash(h.format()) : before;
        long expected = previous == null ? 0 : previous.height() + 1;
        if (h.height() != expected) {
            throw bad(h.height(), "height " + h.height() + " where " + expected + " was expected");
        }
        if (!h.previousHash().equals(previous == null ? BlockHeader.NO_PREVIOUS : previous.hash())) {
            throw bad(h.height(), "previous hash does not match block " + (expected - 1));
        }
        if (previous != null && h.time().isBefore(previous.time())) {
            throw bad(h.height(), "time goes backwards");
        }
        if (h.txCount() != block.txs().size()) {
            throw bad(h.height(), "header counts " + h.txCount() + " txs, block has " + block.txs().size());
        }
        if (!Block.txRoot(h.format(), block.txs()).equals(h.txRoot())) {
            throw bad(h.height(), "tx merkle root does not match its txs");
        }
        NetworkId network = StateMachine.networkOf(base, block.txs());
        if (network == null) {
            throw bad(h.height(), "there is no genesis before it and it does not start with one");
        }
        if (!h.signatureValid(network)) {
            throw bad(h.height(), "proposer signature does not verify for this network");
        }
        checkProposer(block, new LedgerState(new StateOverlay(base)));
        StateMachine.Outcome outcome = StateMachine.apply(base, start, new BlockContext(h.height(), h.time()), block.txs(),
                parallelSignatures);
        if (!outcome.rejected().isEmpty()) {
            StateMachine.Rejection r = outcome.rejected().get(0);
            throw bad(h.height(), "tx " + r.tx().id() + " is invalid: " + r.message());
        }
        if (!outcome.stateRoot().equals(h.stateRoot())) {
            throw bad(h.height(), "state root in header does not match the replayed state");
        }
        return outcome;
    }

    /** Only the proposer rule, against the state before {@code block}: for a writer about to commit its own block. */
    public static void checkProposerOnly(Block block, StateView base) throws LedgerException {
        checkProposer(block, new LedgerState(new StateOverlay(base)));
    }

    private static void checkProposer(Block block, LedgerState state) throws LedgerException {
        BlockHeader h = block.header();
        if (h.height() == 0) {
            if (block.txs().size() != 1 || block.txs().get(0).type() != TxType.GENESIS
                    || !block.txs().get(0).signer().equals(h.proposer())) {
                throw bad(0, "block 0 must hold exactly the genesis tx, proposed by its signer");
            }
            return;
        }
        String problem = proposerProblem(state, h.proposer(), h.time());
        if (problem != null) {
            throw bad(h.height(), problem);
        }
    }

    /**
     * Why {@code proposer} (a key fingerprint) may not propose a block at {@code time} after the
     * state {@code state}, or null when it may. Allowed: an admin account (bootstrap: the block
     * that registers the first voter, and recovery when no voter is left; admins can register a
     * voter of their own anyway), or a registered node that is not revoked, whose certificate
     * carries the voter role and had not expired at the block's time. A storage or gateway node
     * never proposes.
     */
    public static String proposerProblem(LedgerState state, Hash256 proposer, Instant time) throws LedgerException {
        Account account = state.account(proposer);
        if (account != null && account.role() == Role.ADMIN) {
            return null;
        }
        Node node = state.nodeBySigner(proposer);
        if (node == null) {
            return "proposer " + proposer.toHex().substring(0, 16) + " is not an admin or an active node";
        }
        if (node.revoked()) {
            return "proposer node " + node.nodeId() + " is revoked";
        }
        if (!node.roles().contains(NodeRole.VOTER)) {
            return "proposer node " + node.nodeId() + " is not a voter (its certificate grants " + roleNames(node)
                    + "); only voters propose blocks";
        }
        if (time.isAfter(node.notAfter())) {
            return "proposer node " + node.nodeId() + "'s certificate expired at " + node.notAfter() + ", before the block's time " + time;
        }
        return null;
    }

    private static String roleNames(Node node) {
        return node.roles().isEmpty() ? "no role"
                : String.join(",", node.roles().stream().map(NodeRole::wireName).sorted().toList());
    }

    static LedgerException bad(long height, String why) {
        return new LedgerException(LedgerErrorCode.INVALID_BLOCK, "block " + height + ": " + why);
    }
}
