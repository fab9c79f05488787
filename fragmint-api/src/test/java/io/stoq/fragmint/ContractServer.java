package io.stoq.fragmint;

import io.stoq.fragmint.port.AccountStore;
import java.time.Instant;

/**
 * A server the {@link OpenApiContract} checks run against: the in-memory test double
 * ({@link TestServer}) or a real stoq node. It listens on 127.0.0.1 and already holds these
 * accounts, each with an API key ({@link #key}) and a TOTP secret ({@link #totp}): admin (admin),
 * alice and bob (writers), rita (reader), audrey (auditor), otto (operator); alice holds at least
 * 100 network tokens. Accounts carol and dave do not exist yet.
 */
public interface ContractServer extends AutoCloseable {

    /** The HTTP port (HTTP/1.1 and WebSocket) on 127.0.0.1. */
    int port();

    /** How many routes the server's route table holds (the document must cover each). */
    int routeCount();

    /** The server's account store, to add keys and accounts behind the API's back. */
    AccountStore accounts();

    /** The server's current time (API keys are issued at it). */
    Instant now();

    /** The plaintext API key of a fixture account. */
    String key(String account);

    /** A fresh, never used TOTP code for a fixture account. */
    String totp(String account);

    /** The id of a node the server knows ({@code GET /v1/nodes/{id}} answers 200 for it). */
    String nodeId();
}
