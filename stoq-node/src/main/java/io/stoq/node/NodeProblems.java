package io.stoq.node;

import io.stoq.crypto.CodedException;
import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import io.stoq.ledger.LedgerErrorCode;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.validate.RejectReason;
import io.stoq.ledger.validate.TxRejectedException;

/**
 * The one place node and ledger failures become HTTP problems. The node's services (ledger
 * writer, shard store, asset index) fail with {@link NodeErrorCode}s and
 * {@link LedgerErrorCode}s; only the classes that implement a fragmint-api port call this, so a
 * service can be reused under another front (a Raft state machine, a CLI, a peer handler)
 * without dragging HTTP along. The message is kept as the problem's detail; the cause is kept for
 * the log.
 */
public final class NodeProblems {
    private NodeProblems() {}

    /** The problem a node or ledger failure means for a client. */
    public static ApiException of(CodedException e) {
        if (e instanceof NodeException n) {
            return new ApiException(errorOf(n.code()), n.getMessage(), n);
        }
        if (e instanceof TxRejectedException r) {
            return new ApiException(errorOf(r.reason()), r.detail(), r);
        }
        if (e instanceof LedgerException l) {
            return new ApiException(errorOf(l.code()), l.getMessage(), l);
        }
        return new ApiException(ApiError.INTERNAL, e.getMessage(), e);
    }

    /** What a node failure means for a client: the client's own doing, retry later, or the node's fault. */
    public static ApiError errorOf(NodeErrorCode code) {
        return switch (code) {
            case NOT_FOUND -> ApiError.NOT_FOUND;
            case NOT_PERMITTED -> ApiError.FORBIDDEN;
            case KEY_UNAVAILABLE -> ApiError.KEY_UNAVAILABLE;
            case UNAVAILABLE, ILLEGAL_STATE, INSUFFICIENT_SPACE -> ApiError.UNAVAILABLE;
            case BAD_CONFIG, CORRUPT_DATA, HASH_MISMATCH, IO_ERROR -> ApiError.INTERNAL;
        };
    }

    /** What a ledger failure other than a tx rejection means for a client. */
    public static ApiError errorOf(LedgerErrorCode code) {
        return switch (code) {
            case NOT_FOUND -> ApiError.NOT_FOUND;
            case CONFLICT -> ApiError.CONFLICT;
            case REJECTED -> ApiError.UNPROCESSABLE;
            case MALFORMED -> ApiError.BAD_REQUEST;
            case STORE_FAILURE, CORRUPT, PROOF_INVALID, INVALID_BLOCK -> ApiError.INTERNAL;
        };
    }

    /** What a validation refusal of the caller's tx means for a client. */
    public static ApiError errorOf(RejectReason reason) {
        return switch (reason) {
            case NOT_AUTHORIZED, NOT_A_HOLDER -> ApiError.FORBIDDEN;
            case UNKNOWN_ASSET, ASSET_DELETED, VERSION_DELETED, UNKNOWN_NODE, NOT_GRANTED, UNKNOWN_NAME -> ApiError.NOT_FOUND;
            case STALE_VERSION, ALREADY_EXISTS, REPLAY, NONCE_GAP, NOT_EMPTY -> ApiError.CONFLICT;
            case BAD_SIGNATURE, UNKNOWN_SIGNER, NODE_REVOKED, BAD_CERTIFICATE -> ApiError.INTERNAL;
            default -> ApiError.UNPROCESSABLE;
        };
    }
}
