package io.stoq.node.accounts;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.keys.SecureFiles;
import io.stoq.fragmint.auth.ApiKeys;
import io.stoq.fragmint.port.AccountStore;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.Role;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;

/**
 * First-start setup of a development node: creates the {@code admin} account (role admin) with one
 * API key and writes the key to {@code DATA/dev-admin.key} (0600), so {@code stoq asset ...} works
 * right after {@code stoq dev}. On later starts, when the account exists, it changes nothing: the
 * key file and the account are left as they are (a revoked or deleted key stays so).
 *
 * <p>Why the key file is written before the key is stored, and "done" means "admin has a key": if
 * the process dies between the steps, the next start finds no admin key and does it again,
 * overwriting the orphan file; the other order could leave a stored key nobody knows.
 */
public final class AdminBootstrap {
    /** The admin account id. */
    public static final String ADMIN = "admin";
    /** Key file name under the data directory. */
    public static final String KEY_FILE = "dev-admin.key";

    private AdminBootstrap() {}

    /**
     * What the bootstrap did.
     *
     * @param created true when this call created the account and key
     * @param keyFile where the admin key is (written now or earlier)
     */
    public record Result(boolean created, Path keyFile) {}

    /** Ensures the admin account exists in {@code store}; see the class comment. */
    public static Result ensureAdmin(AccountStore store, Path dataDir, Clock clock) throws NodeException {
        Path keyFile = dataDir.resolve(KEY_FILE);
        try {
            boolean exists = store.account(ADMIN).isPresent();
            if (exists && !store.apiKeys(ADMIN).isEmpty()) {
                return new Result(false, keyFile);
            }
            ApiKeys.Issued issued = ApiKeys.issue(ADMIN, "dev bootstrap", clock.instant(), null);
            Files.createDirectories(dataDir);
            SecureFiles.writePrivate(keyFile, (issued.plaintext() + "\n").getBytes(StandardCharsets.US_ASCII));
            if (!exists) {
                store.create(ADMIN, Role.ADMIN, "Development administrator");
            }
            store.addApiKey(issued.stored());
            return new Result(true, keyFile);
        } catch (ApiException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot create the admin account: " + e.getMessage(), e);
        } catch (CryptoException | java.io.IOException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot write " + keyFile + ": " + e.getMessage(), e);
        }
    }
}
