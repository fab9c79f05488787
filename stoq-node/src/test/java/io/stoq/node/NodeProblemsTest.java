package io.stoq.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import io.stoq.ledger.LedgerErrorCode;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.validate.RejectReason;
import io.stoq.ledger.validate.TxRejectedException;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

/**
 * The one mapper from node and ledger codes to problems keeps what clients saw when the services
 * threw problems themselves: a refused tx's status by its reason and its detail without the
 * reason code; a writer that stops or times out, and a full disk, 503; a hidden or missing asset
 * 404; another's asset 403; the node's own failures 500. Every code maps (a new code that is not
 * mapped fails to compile: the switches are exhaustive).
 */
class NodeProblemsTest {
    @Test
    void nodeAndLedgerFailuresBecomeTheProblemsClientsSawBefore() {
        ApiException refused = NodeProblems.of(new TxRejectedException(RejectReason.STALE_VERSION, "asset x is at version 3"));
        assertThat(refused.error()).isEqualTo(ApiError.CONFLICT);
        assertThat(refused.getMessage()).isEqualTo("asset x is at version 3");
        assertThat(NodeProblems.of(new TxRejectedException(RejectReason.UNKNOWN_ASSET, "no such asset")).error())
                .isEqualTo(ApiError.NOT_FOUND);
        assertThat(NodeProblems.of(new TxRejectedException(RejectReason.NOT_AUTHORIZED, "not yours")).error())
                .isEqualTo(ApiError.FORBIDDEN);
        assertThat(NodeProblems.of(new TxRejectedException(RejectReason.BAD_SIGNATURE, "bad")).error()).isEqualTo(ApiError.INTERNAL);

        ApiException busy = NodeProblems.of(new NodeException(NodeErrorCode.UNAVAILABLE, "the ledger is shutting down"));
        assertThat(busy.error()).isEqualTo(ApiError.UNAVAILABLE);
        assertThat(busy.getMessage()).isEqualTo("the ledger is shutting down");
        assertThat(NodeProblems.of(new NodeException(NodeErrorCode.INSUFFICIENT_SPACE, "full")).error()).isEqualTo(ApiError.UNAVAILABLE);
        assertThat(NodeProblems.of(new NodeException(NodeErrorCode.NOT_FOUND, "asset a not found")).error())
                .isEqualTo(ApiError.NOT_FOUND);
        assertThat(NodeProblems.of(new NodeException(NodeErrorCode.NOT_PERMITTED, "another's")).error()).isEqualTo(ApiError.FORBIDDEN);
        for (NodeErrorCode c : EnumSet.of(NodeErrorCode.IO_ERROR, NodeErrorCode.CORRUPT_DATA, NodeErrorCode.HASH_MISMATCH,
                NodeErrorCode.BAD_CONFIG)) {
            assertThat(NodeProblems.of(new NodeException(c, "x")).error()).isEqualTo(ApiError.INTERNAL);
        }
        assertThat(NodeProblems.of(new LedgerException(LedgerErrorCode.STORE_FAILURE, "disk")).error()).isEqualTo(ApiError.INTERNAL);
        assertThat(NodeProblems.of(new LedgerException(LedgerErrorCode.CONFLICT, "x")).error()).isEqualTo(ApiError.CONFLICT);

        NodeException cause = new NodeException(NodeErrorCode.IO_ERROR, "the shard store failed");
        assertThat(NodeProblems.of(cause).getCause()).isSameAs(cause);
        for (RejectReason r : RejectReason.values()) {
            assertThat(NodeProblems.errorOf(r)).isNotNull();
        }
    }
}
