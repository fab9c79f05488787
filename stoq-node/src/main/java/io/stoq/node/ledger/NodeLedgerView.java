package io.stoq.node.ledger;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.sign.SigningKey;
import io.stoq.fragmint.port.AccountStore;
import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.Caller;
import io.stoq.fragmint.port.LedgerView;
import io.stoq.fragmint.port.Page;
import io.stoq.fragmint.port.PageRequest;
import io.stoq.fragmint.port.TokenService;
import io.stoq.ledger.LedgerException;
import io.stoq.ledger.block.BlockHeader;
import io.stoq.ledger.state.StateRecords;
import io.stoq.ledger.tx.TxBody;
import io.stoq.node.NodeException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link LedgerView} and {@link TokenService} over the node's committed ledger. Token balances are
 * of the network token ({@link LedgerService#NETWORK_TOKEN}), minted to the operator at setup.
 */
public final class NodeLedgerView implements LedgerView, TokenService {
    private final LedgerWriter service;
    private final AccountStore accounts;
    private final String nodeId;
    private final List<String> addresses;
    private final String zone;
    private final Path dataDir;
    private final io.stoq.node.assets.KeyRotation rotation;

    /** @param rotation the key epoch rotation this node runs for {@code POST /v1/network/key-epochs} */
    public NodeLedgerView(LedgerWriter service, AccountStore accounts, String nodeId, List<String> addresses, String zone,
            Path dataDir, io.stoq.node.assets.KeyRotation rotation) {
        this.rotation = rotation;
        this.service = service;
        this.accounts = accounts;
        this.nodeId = nodeId;
        this.addresses = List.copyOf(addresses);
        this.zone = zone;
        this.dataDir = dataDir;
    }

    @Override
    public KeyEpochRotation rotateKeyEpoch(Caller caller) throws ApiException {
        try {
            io.stoq.node.assets.KeyRotation.Result r = rotation.rotate(line -> org.slf4j.LoggerFactory.getLogger(NodeLedgerView.class)
                    .info("rotate-keys (by {}): {}", caller.accountId(), line));
            return new KeyEpochRotation(r.epoch(), r.height(), r.members(), r.versionsRewrapped(), r.versionsSkipped(),
                    r.shardBytesUntouched());
        } catch (io.stoq.node.NodeException | io.stoq.ledger.LedgerException e) {
            throw io.stoq.node.NodeProblems.of(e);
        }
    }

    @Override
    public Page<BlockSummary> blocks(PageRequest page) throws ApiException {
        long tip = service.reader().height();
        long start = tip;
        if (page.cursor() != null) {
            try {
                start = Long.parseLong(page.cursor());
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("invalid cursor");
            }
            if (start < 0 || start > tip) {
                throw ApiException.badRequest("invalid cursor");
            }
        }
        List<BlockSummary> items = new ArrayList<>();
        long h = start;
        for (; h >= 0 && items.size() < page.limit(); h--) {
            items.add(block(h));
        }
        return new Page<>(items, h >= 0 ? Long.toString(h) : null);
    }

    @Override
    public BlockSummary block(long height) throws ApiException {
        if (height < 0 || height > service.reader().height()) {
            throw ApiException.notFound("block " + height);
        }
        try {
            BlockHeader h = service.reader().store().header(height);
            return new BlockSummary(h.height(), h.hash().toHex(), h.height() == 0 ? "" : h.previousHash().toHex(),
                    h.txRoot().toHex(), h.stateRoot().toHex(), h.txCount(), h.time());
        } catch (LedgerException e) {
            throw new ApiException(ApiError.INTERNAL, "cannot read block " + height, e);
        }
    }

    @Override
    public List<NodeInfo> nodes() throws ApiException {
        return List.of(node(nodeId));
    }

    @Override
    public NodeInfo node(String id) throws ApiException {
        if (!nodeId.equals(id)) {
            throw ApiException.notFound("node " + id);
        }
        try {
            StateRecords.Node n = service.reader().state().node(id);
            if (n == null) {
                throw ApiException.notFound("node " + id);
            }
            long capacity = 0;
            long free = 0;
            try {
                var fs = Files.getFileStore(dataDir);
                capacity = fs.getTotalSpace();
                free = fs.getUsableSpace();
            } catch (java.io.IOException e) {
                // capacity unknown: report 0 rather than fail a status query
            }
            return NodeInfo.self(id, addresses, zone, n.revoked() ? NodeStatus.REVOKED : NodeStatus.UP, capacity, free,
                    new BigInteger(n.serial()).toString(16));
        } catch (LedgerException e) {
            throw new ApiException(ApiError.INTERNAL, "cannot read node " + id, e);
        }
    }

    @Override
    public TokenBalance balance(String accountId) throws ApiException {
        requireAccount(accountId);
        try {
            Hash256 id = service.keys().ledgerIdOf(accountId);
            long height = service.reader().height();
            return new TokenBalance(accountId, service.reader().state().balance(LedgerService.NETWORK_TOKEN, id), height);
        } catch (NodeException | LedgerException e) {
            throw new ApiException(ApiError.INTERNAL, "cannot read the balance of " + accountId, e);
        }
    }

    @Override
    public TokenReceipt transfer(Caller caller, String to, long amount, String memo) throws ApiException {
        if (amount <= 0) {
            throw new ApiException(ApiError.UNPROCESSABLE, "amount must be positive");
        }
        if (caller.accountId().equals(to)) {
            throw new ApiException(ApiError.UNPROCESSABLE, "cannot transfer to yourself");
        }
        requireAccount(to);
        SigningKey from;
        SigningKey toKey;
        try {
            from = service.keys().keyOf(caller.accountId());
            toKey = service.keys().keyOf(to);
            if (service.reader().state().balance(LedgerService.NETWORK_TOKEN, from.verifyingKey().fingerprint()) < amount) {
                throw new ApiException(ApiError.UNPROCESSABLE, "insufficient balance");
            }
        } catch (NodeException | LedgerException e) {
            throw new ApiException(ApiError.INTERNAL, "cannot transfer tokens", e);
        }
        try {
            Committed c = service.commit(from, List.of(toKey),
                    new TxBody.TokenTransfer(LedgerService.NETWORK_TOKEN, toKey.verifyingKey().fingerprint(), amount));
            return new TokenReceipt(c.txId().toHex(), caller.accountId(), to, amount, c.height());
        } catch (NodeException | LedgerException e) {
            throw io.stoq.node.NodeProblems.of(e); // a refusal is the client's (409, 422...), a timeout 503
        }
    }

    private void requireAccount(String accountId) throws ApiException {
        if (accounts.account(accountId).isEmpty()) {
            throw ApiException.notFound("account " + accountId);
        }
    }
}
