package io.stoq.fragmint.route;

import static io.stoq.fragmint.port.ApiError.BAD_REQUEST;
import static io.stoq.fragmint.port.ApiError.NOT_FOUND;
import static io.stoq.fragmint.port.ApiError.PAYLOAD_TOO_LARGE;
import static io.stoq.fragmint.port.ApiError.UNPROCESSABLE;
import static io.stoq.fragmint.port.ApiError.UNSUPPORTED_MEDIA_TYPE;
import static io.stoq.fragmint.route.RouteBuilder.get;
import static io.stoq.fragmint.route.RouteBuilder.post;

import io.stoq.fragmint.auth.Permission;
import io.stoq.fragmint.port.AccountStore;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.AuditLog;
import io.stoq.fragmint.port.AuditRecord;
import io.stoq.fragmint.port.LedgerView;
import io.stoq.fragmint.port.TokenService;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Tokens, nodes, ledger blocks, the audit log and the event stream. Stateless; thread-safe. */
final class LedgerRoutes {
    private final TokenService tokens;
    private final LedgerView ledger;
    private final AccountStore accounts;
    private final AuditLog audit;

    LedgerRoutes(TokenService tokens, LedgerView ledger, AccountStore accounts, AuditLog audit) {
        this.tokens = tokens;
        this.ledger = ledger;
        this.accounts = accounts;
        this.audit = audit;
    }

    List<Route> routes() {
        return List.of(
                get("/v1/accounts/{id}/balance", "getTokenBalance").needs(Permission.TOKEN_READ)
                        .summary("Token balance of an account")
                        .returns(200, Route.Body.json(TokenService.TokenBalance.class)).errors(NOT_FOUND)
                        .handle(this::balance),
                post("/v1/tokens/transfers", "transferTokens").needs(Permission.TOKEN_TRANSFER).withTotp()
                        .summary("Send tokens from the caller to another account")
                        .takes(Route.Body.json(Messages.TransferTokens.class))
                        .returns(201, Route.Body.json(TokenService.TokenReceipt.class))
                        .errors(BAD_REQUEST, UNPROCESSABLE, UNSUPPORTED_MEDIA_TYPE, PAYLOAD_TOO_LARGE)
                        .handle(this::transfer),
                get("/v1/nodes", "listNodes").needs(Permission.NODE_READ).summary("Network members")
                        .returns(200, Route.Body.list(LedgerView.NodeInfo.class))
                        .handle(ex -> new Reply.Json(200, ledger.nodes())),
                post("/v1/network/key-epochs", "rotateKeyEpoch").needs(Permission.NETWORK_ADMIN).withTotp()
                        .summary("Start the next data-key epoch and re-wrap every live asset version's key to it "
                                + "(shards untouched); answers when every version is done")
                        .returns(201, Route.Body.json(LedgerView.KeyEpochRotation.class))
                        .handle(ex -> new Reply.Json(201, ledger.rotateKeyEpoch(ex.caller()))),
                get("/v1/nodes/{id}", "getNode").needs(Permission.NODE_READ).summary("One network member")
                        .returns(200, Route.Body.json(LedgerView.NodeInfo.class)).errors(NOT_FOUND)
                        .handle(ex -> new Reply.Json(200, ledger.node(ex.pathParam("id")))),
                get("/v1/ledger/blocks", "listBlocks").needs(Permission.LEDGER_READ)
                        .summary("Ledger blocks, newest first").paged()
                        .returns(200, Route.Body.page(LedgerView.BlockSummary.class)).errors(BAD_REQUEST)
                        .handle(ex -> new Reply.Json(200, ledger.blocks(Params.page(ex)))),
                get("/v1/ledger/blocks/{height}", "getBlock").needs(Permission.LEDGER_READ)
                        .summary("One block header by height")
                        .returns(200, Route.Body.json(LedgerView.BlockSummary.class))
                        .errors(BAD_REQUEST, NOT_FOUND)
                        .handle(ex -> new Reply.Json(200, ledger.block(Params.pathLong(ex, "height")))),
                get("/v1/audit", "queryAudit").needs(Permission.AUDIT_READ)
                        .summary("Access decisions (who, what, when, outcome), oldest first").paged()
                        .query("actor", "string", "only this account ('anonymous' for failed credentials)")
                        .query("outcome", "string", "ALLOWED, ALLOWED_ADMIN_OVERRIDE, PUBLIC, "
                                + "DENIED_UNAUTHENTICATED, DENIED_FORBIDDEN, DENIED_SECOND_FACTOR or "
                                + "DENIED_RATE_LIMITED")
                        .query("since", "string", "ISO-8601 instant, inclusive")
                        .query("until", "string", "ISO-8601 instant, exclusive")
                        .returns(200, Route.Body.page(AuditRecord.class)).errors(BAD_REQUEST)
                        .handle(this::audit),
                get("/v1/events", "subscribeEvents").needs(Permission.EVENTS_SUBSCRIBE)
                        .summary("WebSocket (HTTP/1.1 Upgrade) streaming ledger events as JSON text "
                                + "frames, filtered by the caller's permissions and which assets it may see")
                        .query("after", "integer", "resume after this event seq (default: live only)")
                        .returns(101, Route.Body.NONE).errors(BAD_REQUEST)
                        .handle(this::events));
    }

    private Reply balance(Exchange ex) throws ApiException {
        String id = ex.pathParam("id");
        if (accounts.account(id).isEmpty()) {
            throw ApiException.notFound("account '" + id + "'");
        }
        return new Reply.Json(200, tokens.balance(id));
    }

    private Reply transfer(Exchange ex) throws ApiException {
        Messages.TransferTokens body = ex.jsonBody(Messages.TransferTokens.class);
        String to = Params.accountId(body.to(), "to");
        if (body.amount() == null || body.amount() <= 0) {
            throw new ApiException(UNPROCESSABLE, "'amount' must be a positive integer");
        }
        if (body.memo() != null && body.memo().length() > 256) {
            throw new ApiException(UNPROCESSABLE, "'memo' is longer than 256 characters");
        }
        if (accounts.account(to).isEmpty()) {
            throw new ApiException(UNPROCESSABLE, "no account '" + to + "'");
        }
        TokenService.TokenReceipt r = tokens.transfer(ex.caller(), to, body.amount(), body.memo());
        return new Reply.Json(201, r);
    }

    private Reply audit(Exchange ex) throws ApiException {
        AuditRecord.Outcome outcome = null;
        Optional<String> o = ex.query("outcome");
        if (o.isPresent()) {
            try {
                outcome = AuditRecord.Outcome.valueOf(o.get().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("unknown outcome '" + o.get() + "'");
            }
        }
        AuditLog.Query q = new AuditLog.Query(ex.query("actor").orElse(null), outcome,
                Params.optionalInstant(ex, "since"), Params.optionalInstant(ex, "until"));
        return new Reply.Json(200, audit.query(q, Params.page(ex)));
    }

    private Reply events(Exchange ex) throws ApiException {
        long after = Params.optionalLong(ex, "after", 0).orElse(Long.MAX_VALUE);
        if (ex.caller().isAdmin()) {
            ex.adminOverride(); // an admin's stream carries every account's asset events
        }
        return new Reply.WebSocket(after, Map.of());
    }
}
