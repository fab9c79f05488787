package io.stoq.node.accounts;

import io.stoq.crypto.ConstantTime;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.accounts.NodeDb.Cf;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.rocksdb.RocksDBException;

/**
 * The node's account side in one AutoCloseable: opens {@code DATA/node-db}, loads (or on a fresh
 * data directory creates) {@code DATA/node/secrets.key}, and builds the durable
 * {@link RocksAccountStore} and {@link RocksAuditLog} over them. Close it after the API server has
 * stopped: it drains the audit writer, then releases the database.
 *
 * <p>Why the fingerprint check here: the key file and the database live side by side but are
 * backed up or copied separately; a database whose key is missing or swapped is refused at start
 * with a one-line error rather than failing every TOTP check later.
 */
public final class NodeAccounts implements AutoCloseable {
    /** Database directory under the data directory. */
    public static final String DB_DIR = "node-db";
    private static final byte[] FINGERPRINT_KEY = "secrets.key.fingerprint".getBytes(StandardCharsets.US_ASCII);

    private final NodeDb db;
    private final RocksAccountStore accounts;
    private final RocksAuditLog audit;

    private NodeAccounts(NodeDb db, RocksAccountStore accounts, RocksAuditLog audit) {
        this.db = db;
        this.accounts = accounts;
        this.audit = audit;
    }

    /** Opens the account store and audit log of the node whose data directory is {@code dataDir}. */
    public static NodeAccounts open(Path dataDir, Clock clock) throws NodeException {
        try {
            Files.createDirectories(dataDir);
        } catch (java.io.IOException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot create data directory " + dataDir + ": " + e.getMessage(), e);
        }
        NodeDb db = NodeDb.open(dataDir.resolve(DB_DIR));
        try {
            byte[] recorded = db.get(Cf.META, FINGERPRINT_KEY);
            SecretsKey key = SecretsKey.loadOrCreate(dataDir, recorded == null);
            byte[] actual = key.fingerprint();
            if (recorded == null) {
                db.put(Cf.META, FINGERPRINT_KEY, actual);
            } else if (!ConstantTime.equals(recorded, actual)) {
                throw new NodeException(NodeErrorCode.CORRUPT_DATA, SecretsKey.path(dataDir)
                        + " is not the key this node database was created with; restore the original file");
            }
            return new NodeAccounts(db, new RocksAccountStore(db, key, clock), new RocksAuditLog(db));
        } catch (RocksDBException e) {
            db.close();
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot read node database: " + e.getMessage(), e);
        } catch (NodeException | RuntimeException e) {
            db.close();
            throw e;
        }
    }

    /** The durable account store (the {@code AccountStore} port). */
    public RocksAccountStore accounts() {
        return accounts;
    }

    /** The durable audit log (the {@code AuditLog} port). */
    public RocksAuditLog audit() {
        return audit;
    }

    @Override
    public void close() {
        audit.close();
        db.close();
    }
}
