package io.stoq.node.accounts;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.keys.SecureFiles;
import io.stoq.fragmint.auth.ApiKeys;
import io.stoq.fragmint.auth.AuthSettings;
import io.stoq.fragmint.auth.EnrollmentCodes;
import io.stoq.fragmint.port.AccountStore;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.Role;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

/**
 * First-start setup of a development node: creates the {@code admin} account (role admin) with one
 * API key and writes the key to {@code DATA/dev-admin.key} (0600), so {@code stoq asset ...} works
 * right after {@code stoq dev}. On later starts, when the account exists, it changes nothing: the
 * key file and the account are left as they are (a revoked or deleted key stays so).
 *
 * <p>The admin's second factor: as long as the admin has no TOTP secret, every start also makes a
 * fresh one-time enrollment code and writes it to {@code DATA/dev-admin.enrollment-code} (0600);
 * with the key and that code the admin enrolls through the API like any account (a key alone never
 * can). Once the admin is enrolled, the file is removed. The code lives for
 * {@code auth.enrollment-code-lifetime}; a restart makes a new one.
 *
 * <p>Why the files are written before the hashes are stored, and "done" means "admin has a key": if
 * the process dies between the steps, the next start finds no admin key (or code) and does it
 * again, overwriting the orphan file; the other order could leave a stored key nobody knows.
 */
public final class AdminBootstrap {
    /** The admin account id. */
    public static final String ADMIN = "admin";
    /** Key file name under the data directory. */
    public static final String KEY_FILE = "dev-admin.key";
    /** Enrollment code file name under the data directory (present while the admin has no TOTP). */
    public static final String ENROLLMENT_CODE_FILE = "dev-admin.enrollment-code";
    /** What made the dev admin's enrollment codes (in place of an admin account id). */
    public static final String CREATED_BY = "dev-bootstrap";

    private AdminBootstrap() {}

    /**
     * What the bootstrap did.
     *
     * @param created true when this call created the account and key
     * @param keyFile where the admin key is (written now or earlier)
     * @param enrollmentCodeFile where this start wrote the admin's one-time TOTP enrollment code,
     *     null when the admin already has a TOTP secret
     */
    public record Result(boolean created, Path keyFile, Path enrollmentCodeFile) {}

    /** {@link #ensureAdmin(AccountStore, Path, Clock, Duration)} with the default code lifetime. */
    public static Result ensureAdmin(AccountStore store, Path dataDir, Clock clock) throws NodeException {
        return ensureAdmin(store, dataDir, clock, AuthSettings.defaults().enrollmentCodeLifetime());
    }

    /** Whether {@code keyFile} holds a key the store knows (a run that died between file and store left one it does not). */
    private static boolean storedKeyIn(AccountStore store, Path keyFile) throws java.io.IOException, ApiException {
        if (!Files.exists(keyFile)) {
            return false;
        }
        java.util.Optional<String> id = ApiKeys.keyIdOf(Files.readString(keyFile, StandardCharsets.US_ASCII).trim());
        return id.isPresent() && store.apiKey(id.get()).isPresent();
    }

    /** Ensures the admin account exists in {@code store}; see the class comment. */
    public static Result ensureAdmin(AccountStore store, Path dataDir, Clock clock, Duration codeLifetime)
            throws NodeException {
        return ensureAdmin(store, dataDir, clock, codeLifetime, false);
    }

    /**
     * As {@link #ensureAdmin(AccountStore, Path, Clock, Duration)}; with {@code keyPerNode} (accounts
     * are network state, each node of a dev network has its own data directory) a node whose
     * key file is missing adds a key of its own to the network's admin account.
     */
    public static Result ensureAdmin(AccountStore store, Path dataDir, Clock clock, Duration codeLifetime, boolean keyPerNode)
            throws NodeException {
        Path keyFile = dataDir.resolve(KEY_FILE);
        Path codeFile = dataDir.resolve(ENROLLMENT_CODE_FILE);
        Path writing = keyFile;
        try {
            Files.createDirectories(dataDir);
            boolean exists = store.account(ADMIN).isPresent();
            boolean created = false;
            if (!exists || store.apiKeys(ADMIN).isEmpty() || (keyPerNode && !storedKeyIn(store, keyFile))) {
                ApiKeys.Issued issued = ApiKeys.issue(ADMIN, "dev bootstrap", clock.instant(), null);
                SecureFiles.writePrivate(keyFile, (issued.plaintext() + "\n").getBytes(StandardCharsets.US_ASCII));
                if (!exists) {
                    try {
                        store.create(ADMIN, Role.ADMIN, "Development administrator");
                    } catch (ApiException e) {
                        if (!keyPerNode || e.error() != io.stoq.fragmint.port.ApiError.CONFLICT) {
                            throw e;
                        }
                        // another node of the network made it first: add this node's key to it
                    }
                }
                store.addApiKey(issued.stored());
                created = true;
            }
            writing = codeFile;
            if (store.totpSecret(ADMIN).isPresent()) {
                Files.deleteIfExists(codeFile);
                return new Result(created, keyFile, null);
            }
            EnrollmentCodes.Issued code = EnrollmentCodes.issue(CREATED_BY, clock.instant(), codeLifetime);
            SecureFiles.writePrivate(codeFile, (code.plaintext() + "\n").getBytes(StandardCharsets.US_ASCII));
            store.setEnrollmentCode(ADMIN, code.stored());
            return new Result(created, keyFile, codeFile);
        } catch (ApiException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot create the admin account: " + e.getMessage(), e);
        } catch (CryptoException | java.io.IOException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot write " + writing + ": " + e.getMessage(), e);
        }
    }

    /**
     * As {@link #ensureAdmin(AccountStore, Path, Clock, Duration)} for a node of a development
     * network ({@code stoq dev --nodes}): the admin's API key is the network's, read from
     * {@code sharedKeyFile}, so one key works on every node. On a Raft ledger {@code store} is the
     * network's account store: the first node makes the account, the others find it; the
     * enrollment code (node-local) is written per node until a TOTP secret is enrolled.
     */
    public static Result ensureAdminWithKey(AccountStore store, Path dataDir, Clock clock, Duration codeLifetime, Path sharedKeyFile)
            throws NodeException {
        Path codeFile = dataDir.resolve(ENROLLMENT_CODE_FILE);
        try {
            String plaintext = Files.readString(sharedKeyFile, StandardCharsets.US_ASCII).trim();
            String keyId = ApiKeys.keyIdOf(plaintext).orElseThrow(() -> new NodeException(NodeErrorCode.BAD_CONFIG,
                    sharedKeyFile + " does not hold an API key (stq_<id>_<secret>)"));
            boolean exists = store.account(ADMIN).isPresent();
            boolean created = false;
            if (!exists) {
                store.create(ADMIN, Role.ADMIN, "Development administrator");
            }
            if (store.apiKeys(ADMIN).isEmpty()) {
                store.addApiKey(new io.stoq.fragmint.port.StoredApiKey(keyId, ADMIN, ApiKeys.hash(plaintext), "dev network bootstrap",
                        clock.instant(), null, false));
                created = true;
            }
            if (store.totpSecret(ADMIN).isPresent()) {
                Files.deleteIfExists(codeFile);
                return new Result(created, sharedKeyFile, null);
            }
            EnrollmentCodes.Issued code = EnrollmentCodes.issue(CREATED_BY, clock.instant(), codeLifetime);
            SecureFiles.writePrivate(codeFile, (code.plaintext() + "\n").getBytes(StandardCharsets.US_ASCII));
            store.setEnrollmentCode(ADMIN, code.stored());
            return new Result(created, sharedKeyFile, codeFile);
        } catch (ApiException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot create the admin account: " + e.getMessage(), e);
        } catch (CryptoException | java.io.IOException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot read " + sharedKeyFile + " or write " + codeFile + ": "
                    + e.getMessage(), e);
        }
    }
}
