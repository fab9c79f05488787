package io.stoq.node.cli.asset.standin;

import io.stoq.fragmint.testnode.InMemoryLedger;

import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.Caller;
import io.stoq.fragmint.port.LedgerEvent;
import io.stoq.fragmint.port.TokenService;
import java.util.HashMap;
import java.util.Map;

/**
 * TEST STAND-IN for the node's token ledger: real balances in memory, never negative, every
 * transfer a block of {@link InMemoryLedger}. Only here so a full {@code NodePorts} can be built for
 * CLI tests before stoq-node's ledger service exists. Thread-safe: synchronized.
 */
public final class InMemoryTokens implements TokenService {
    private final InMemoryLedger ledger;
    private final Map<String, Long> balances = new HashMap<>();

    public InMemoryTokens(InMemoryLedger ledger) {
        this.ledger = ledger;
    }

    @Override
    public synchronized TokenBalance balance(String accountId) {
        return new TokenBalance(accountId, balances.getOrDefault(accountId, 0L), ledger.tip().height());
    }

    @Override
    public synchronized TokenReceipt transfer(Caller caller, String to, long amount, String memo) throws ApiException {
        long have = balances.getOrDefault(caller.accountId(), 0L);
        if (to.equals(caller.accountId()) || have < amount) {
            throw new ApiException(ApiError.UNPROCESSABLE, "insufficient balance or transfer to self");
        }
        balances.put(caller.accountId(), have - amount);
        balances.merge(to, amount, Long::sum);
        long h = ledger.commit(LedgerEvent.Category.TOKEN, "token.transferred", to,
                Map.of("from", caller.accountId(), "amount", amount));
        return new TokenReceipt(ledger.block(h).txRoot(), caller.accountId(), to, amount, h);
    }
}
