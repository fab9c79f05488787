package io.stoq.fragmint.port;

/**
 * Token balances and transfers on the ledger, implemented by stoq-node. Calls may block.
 */
public interface TokenService {

    /** Balance of {@code accountId} (0 for a known account that never held tokens). */
    TokenBalance balance(String accountId) throws ApiException;

    /**
     * Moves {@code amount} from the caller to {@code to}; committed on the ledger before returning.
     * {@link ApiError#UNPROCESSABLE} on insufficient funds, a non-positive amount or self-transfer.
     */
    TokenReceipt transfer(Caller caller, String to, long amount, String memo) throws ApiException;

    /**
     * @param account the account
     * @param balance whole tokens held
     * @param height ledger height the balance was read at
     */
    record TokenBalance(String account, long balance, long height) {}

    /**
     * @param txId hex id of the committed transfer transaction
     * @param from payer
     * @param to payee
     * @param amount tokens moved
     * @param blockHeight block that committed it
     */
    record TokenReceipt(String txId, String from, String to, long amount, long blockHeight) {}
}
