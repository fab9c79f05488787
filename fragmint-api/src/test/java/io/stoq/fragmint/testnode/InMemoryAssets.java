package io.stoq.fragmint.testnode;

import io.stoq.crypto.Hex;
import io.stoq.crypto.SecureRandoms;
import io.stoq.crypto.hash.Sha256;
import io.stoq.crypto.hash.Sha3;
import io.stoq.fragmint.port.ApiError;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.AssetContent;
import io.stoq.fragmint.port.AssetGrant;
import io.stoq.fragmint.port.AssetMetadata;
import io.stoq.fragmint.port.AssetLocations;
import io.stoq.fragmint.port.AssetProof;
import io.stoq.fragmint.port.AssetService;
import io.stoq.fragmint.port.AssetVersion;
import io.stoq.fragmint.port.ByteRange;
import io.stoq.fragmint.port.Caller;
import io.stoq.fragmint.port.LedgerEvent;
import io.stoq.fragmint.port.NewContent;
import io.stoq.fragmint.port.Page;
import io.stoq.fragmint.port.PageRequest;
import io.stoq.fragmint.port.Role;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;

/**
 * TEST DOUBLE of stoq-node's asset service (the shard pipeline and ledger are being built in
 * parallel and do not exist yet). It behaves really where the API depends on it: bytes are
 * streamed to a staging file while hashed with SHA3-256 and only moved into place after the body
 * reached its end (an aborted upload leaves nothing), versions are kept and stay readable,
 * ownership and read access are enforced as on the node (owner, grantees, admins, auditors without
 * content; 404 for a caller who may not see an asset, 403 for one who may see but not change it),
 * a transfer ends every grant, deletes tombstone, every change is a ledger block whose event names
 * its readers. The "merkle root" is a real RFC 6962-style root over 64 KiB leaves, not the shard
 * pipeline's.
 *
 * <p>Thread-safe: the index synchronizes on this; body streaming happens outside the lock.
 */
public final class InMemoryAssets implements AssetService {
    private static final int LEAF = 64 * 1024;

    private final Path dir;
    private final Clock clock;
    private final InMemoryLedger ledger;
    private final Map<String, Asset> assets = new LinkedHashMap<>();
    private volatile long bytesStaged;
    /** How long {@link #create} waits before it reads the body, as a node short of pipeline memory would. */
    private volatile java.time.Duration holdBeforeReading = java.time.Duration.ZERO;

    private static final class Asset {
        final String id;
        final List<AssetMetadata> versions = new ArrayList<>();
        final List<AssetVersion> history = new ArrayList<>();
        final Map<String, AssetGrant> grants = new LinkedHashMap<>();
        final Set<Long> deletedVersions = new java.util.HashSet<>();
        String owner;
        boolean deleted;

        Asset(String id) {
            this.id = id;
        }

        AssetMetadata latest() {
            return versions.get(versions.size() - 1);
        }
    }

    public InMemoryAssets(Path dir, Clock clock, InMemoryLedger ledger) throws IOException {
        this.dir = Files.createDirectories(dir);
        Files.createDirectories(dir.resolve("staging"));
        this.clock = clock;
        this.ledger = ledger;
    }

    /** Number of committed assets, deleted ones included. */
    public synchronized int assetCount() {
        return assets.size();
    }

    /** Files left in staging (an aborted upload must leave none). */
    public long stagingFiles() throws IOException {
        try (var s = Files.list(dir.resolve("staging"))) {
            return s.count();
        }
    }

    private record Staged(Path file, long size, String sha256, String root) {}

    /** Stages the body; a declared SHA-256 it does not have removes it and fails, as on the node. */
    private Staged stage(InputStream body, NewContent content) throws IOException, ApiException {
        Staged s = stage(body);
        if (content.sha256() != null && !content.sha256().equals(s.sha256())) {
            Files.delete(s.file());
            throw new ApiException(ApiError.DIGEST_MISMATCH, "the body's SHA-256 is " + s.sha256() + ", the request declared "
                    + content.sha256() + "; nothing was stored");
        }
        return s;
    }

    private Staged stage(InputStream body) throws IOException {
        Path tmp = dir.resolve("staging").resolve(Hex.encode(SecureRandoms.bytes(8)));
        Sha256 whole = new Sha256();
        List<byte[]> leaves = new ArrayList<>();
        long size = 0;
        try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW)) {
            byte[] buf = new byte[LEAF];
            int fill = 0;
            for (int n; (n = body.read(buf, fill, LEAF - fill)) != -1; ) {
                out.write(buf, fill, n);
                whole.update(buf, fill, n);
                fill += n;
                size += n;
                if (fill == LEAF) {
                    leaves.add(leaf(buf, fill));
                    fill = 0;
                }
            }
            if (fill > 0 || leaves.isEmpty()) {
                leaves.add(leaf(buf, fill));
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        bytesStaged += size;
        return new Staged(tmp, size, whole.digest().toHex(), Hex.encode(root(leaves)));
    }

    private static byte[] leaf(byte[] buf, int len) {
        return new Sha3().update(new byte[] {0}).update(buf, 0, len).digest().toBytes();
    }

    private static byte[] root(List<byte[]> level) {
        while (level.size() > 1) {
            List<byte[]> next = new ArrayList<>();
            for (int i = 0; i < level.size(); i += 2) {
                if (i + 1 == level.size()) {
                    next.add(level.get(i));
                } else {
                    next.add(Sha3.hash(new byte[] {1}, level.get(i), level.get(i + 1)).toBytes());
                }
            }
            level = next;
        }
        return level.get(0);
    }

    private Path file(String id, long version) {
        return dir.resolve(id + ".v" + version);
    }

    /** Makes every later {@link #create} wait this long before reading its body (tests of server-side waits). */
    public void holdBeforeReading(java.time.Duration hold) {
        this.holdBeforeReading = hold;
    }

    @Override
    public AssetMetadata create(Caller caller, NewContent content, InputStream body) throws IOException, ApiException {
        if (!holdBeforeReading.isZero()) {
            try {
                Thread.sleep(holdBeforeReading.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while held", e);
            }
        }
        Staged s = stage(body, content);
        String id = "a" + Hex.encode(SecureRandoms.bytes(10));
        Files.move(s.file(), file(id, 1), StandardCopyOption.ATOMIC_MOVE);
        synchronized (this) {
            Instant now = clock.instant();
            Asset a = new Asset(id);
            a.owner = caller.accountId();
            AssetMetadata m = new AssetMetadata(id, 1, s.size(), s.sha256(), null, s.root(), a.owner,
                    content.contentType(), content.name(), now, now);
            a.versions.add(m);
            long h = ledger.commit(LedgerEvent.Category.ASSET, "asset.created", id, Map.of("owner", a.owner, "size", s.size()),
                    readers(a));
            a.history.add(new AssetVersion(1, AssetVersion.Change.CREATE, caller.accountId(), a.owner,
                    s.size(), s.sha256(), null, s.root(), h, now));
            assets.put(id, a);
            return m;
        }
    }

    private Asset live(String id) throws ApiException {
        Asset a = assets.get(id);
        if (a == null || a.deleted) {
            throw ApiException.notFound("asset '" + id + "'");
        }
        return a;
    }

    /** How a caller may see an asset, as on the node; null when it may not. */
    private enum Access { OWNER, ADMIN, GRANTEE, AUDITOR }

    private static Access access(Caller caller, Asset a) {
        if (caller.accountId().equals(a.owner)) {
            return Access.OWNER;
        }
        if (caller.isAdmin()) {
            return Access.ADMIN;
        }
        if (a.grants.containsKey(caller.accountId())) {
            return Access.GRANTEE;
        }
        return caller.role() == Role.AUDITOR ? Access.AUDITOR : null;
    }

    /** The live asset if the caller may see it; otherwise the very answer a missing asset gets. */
    private Asset visible(Caller caller, String id) throws ApiException {
        Asset a = live(id);
        if (access(caller, a) == null) {
            throw ApiException.notFound("asset '" + id + "'");
        }
        return a;
    }

    private static void requireOwner(Caller caller, Asset a) throws ApiException {
        Access access = access(caller, a);
        if (access == null) {
            throw ApiException.notFound("asset '" + a.id + "'");
        }
        if (access != Access.OWNER && access != Access.ADMIN) {
            throw new ApiException(ApiError.FORBIDDEN, "only the owner of asset '" + a.id + "' may change it");
        }
    }

    /** Who may see an event about {@code a}: its owner and grantees, plus {@code named}. */
    private static Set<String> readers(Asset a, String... named) {
        Set<String> r = new TreeSet<>(a.grants.keySet());
        r.add(a.owner);
        r.addAll(List.of(named));
        return r;
    }

    @Override
    public synchronized AssetMetadata metadata(Caller caller, String id, OptionalLong version) throws ApiException {
        Asset a = visible(caller, id);
        if (version.isEmpty()) {
            return a.latest();
        }
        long v = version.getAsLong();
        if (v < 1 || v > a.versions.size() || a.deletedVersions.contains(v)) {
            throw ApiException.notFound("version " + v + " of asset '" + id + "'");
        }
        return a.versions.get((int) v - 1);
    }

    @Override
    public synchronized Page<AssetMetadata> list(Caller caller, String owner, PageRequest page) throws ApiException {
        List<AssetMetadata> all = new ArrayList<>();
        for (Asset a : assets.values()) {
            if (!a.deleted && access(caller, a) != null && (owner == null || owner.equals(a.owner))) {
                all.add(0, a.latest());
            }
        }
        return page(all, page);
    }

    @Override
    public AssetContent openContent(Caller caller, String id, long version, ByteRange range) throws ApiException {
        AssetMetadata m = metadata(caller, id, OptionalLong.of(version));
        synchronized (this) {
            if (access(caller, live(id)) == Access.AUDITOR) {
                throw new ApiException(ApiError.FORBIDDEN, "auditors see metadata, history and proofs, never content");
            }
        }
        try {
            if (range == null) {
                return new AssetContent(m, null, InputStream.nullInputStream());
            }
            FileChannel ch = FileChannel.open(file(id, version), StandardOpenOption.READ);
            ch.position(range.first());
            InputStream in = new BoundedInputStream(Channels.newInputStream(ch), range.length());
            return new AssetContent(m, range, in);
        } catch (IOException e) {
            throw new ApiException(ApiError.INTERNAL, "content unreadable", e);
        }
    }

    @Override
    public AssetMetadata update(Caller caller, String id, OptionalLong expectedVersion, NewContent content,
            InputStream body) throws ApiException, IOException {
        synchronized (this) {
            Asset a = live(id);
            requireOwner(caller, a);
            if (expectedVersion.isPresent() && expectedVersion.getAsLong() != a.latest().version()) {
                throw new ApiException(ApiError.PRECONDITION_FAILED, "asset '" + id + "' is at version "
                        + a.latest().version() + ", not " + expectedVersion.getAsLong());
            }
        }
        Staged s = stage(body, content);
        synchronized (this) {
            Asset a;
            try {
                a = live(id);
                requireOwner(caller, a);
                if (expectedVersion.isPresent() && expectedVersion.getAsLong() != a.latest().version()) {
                    // as the node's ledger: a version commits only on top of the one the writer expected
                    throw new ApiException(ApiError.PRECONDITION_FAILED, "asset '" + id + "' moved past version "
                            + expectedVersion.getAsLong() + " while this upload ran");
                }
            } catch (ApiException e) {
                Files.deleteIfExists(s.file());
                throw e;
            }
            long v = a.latest().version() + 1;
            Files.move(s.file(), file(id, v), StandardCopyOption.ATOMIC_MOVE);
            Instant now = clock.instant();
            AssetMetadata m = new AssetMetadata(id, v, s.size(), s.sha256(), null, s.root(), a.owner,
                    content.contentType(), content.name(), a.versions.get(0).createdAt(), now);
            a.versions.add(m);
            long h = ledger.commit(LedgerEvent.Category.ASSET, "asset.updated", id, Map.of("version", v), readers(a));
            a.history.add(new AssetVersion(v, AssetVersion.Change.UPDATE, caller.accountId(), a.owner,
                    s.size(), s.sha256(), null, s.root(), h, now));
            return m;
        }
    }

    @Override
    public synchronized AssetMetadata transfer(Caller caller, String id, String newOwner) throws ApiException {
        Asset a = live(id);
        requireOwner(caller, a);
        if (newOwner.equals(a.owner)) {
            throw new ApiException(ApiError.UNPROCESSABLE, "'" + newOwner + "' already owns asset '" + id + "'");
        }
        String previous = a.owner;
        a.owner = newOwner;
        a.grants.clear(); // the new owner decides who reads
        AssetMetadata l = a.latest();
        AssetMetadata m = new AssetMetadata(id, l.version(), l.size(), l.sha256(), l.sha3(), l.merkleRoot(), newOwner,
                l.contentType(), l.name(), l.createdAt(), l.updatedAt());
        a.versions.set(a.versions.size() - 1, m);
        long h = ledger.commit(LedgerEvent.Category.ASSET, "asset.transferred", id, Map.of("to", newOwner),
                readers(a, previous));
        a.history.add(new AssetVersion(l.version(), AssetVersion.Change.TRANSFER, caller.accountId(), newOwner,
                l.size(), l.sha256(), l.sha3(), l.merkleRoot(), h, clock.instant()));
        return m;
    }

    @Override
    public synchronized void delete(Caller caller, String id) throws ApiException {
        Asset a = live(id);
        requireOwner(caller, a);
        a.deleted = true;
        AssetMetadata l = a.latest();
        long h = ledger.commit(LedgerEvent.Category.ASSET, "asset.deleted", id, Map.of(), readers(a));
        a.history.add(new AssetVersion(l.version(), AssetVersion.Change.DELETE, caller.accountId(), a.owner,
                l.size(), l.sha256(), l.sha3(), l.merkleRoot(), h, clock.instant()));
    }

    @Override
    public synchronized void deleteVersion(Caller caller, String id, long version) throws ApiException {
        Asset a = live(id);
        requireOwner(caller, a);
        if (version == a.latest().version()) {
            throw new ApiException(ApiError.CONFLICT, "version " + version + " is the latest of asset '" + id
                    + "'; delete the asset instead");
        }
        AssetMetadata m = metadata(caller, id, OptionalLong.of(version)); // 404 when missing or deleted already
        a.deletedVersions.add(version);
        long h = ledger.commit(LedgerEvent.Category.ASSET, "asset.version-deleted", id, Map.of("version", version), readers(a));
        a.history.add(new AssetVersion(version, AssetVersion.Change.VERSION_DELETE, caller.accountId(), a.owner,
                m.size(), m.sha256(), m.sha3(), m.merkleRoot(), h, clock.instant()));
    }

    @Override
    public synchronized Page<AssetVersion> history(Caller caller, String id, PageRequest page) throws ApiException {
        Asset a = visible(caller, id);
        boolean grantee = access(caller, a) == Access.GRANTEE;
        List<AssetVersion> shown = a.history.stream().filter(v -> !grantee || v.grantee() == null
                || v.grantee().equals(caller.accountId())).toList();
        return page(shown, page);
    }

    /** One page of {@code all}; the cursor is the next index, as on the node (400 when it cannot be one). */
    private static <T> Page<T> page(List<T> all, PageRequest page) throws ApiException {
        int start;
        try {
            start = page.cursor() == null ? 0 : Integer.parseInt(page.cursor());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("bad cursor");
        }
        if (start < 0 || start > all.size()) {
            throw ApiException.badRequest("bad cursor");
        }
        int end = Math.min(all.size(), start + page.limit());
        return new Page<>(all.subList(Math.min(start, end), end), end < all.size() ? Integer.toString(end) : null);
    }

    @Override
    public synchronized AssetGrant grant(Caller caller, String id, String account) throws ApiException {
        Asset a = live(id);
        requireOwner(caller, a);
        if (account.equals(a.owner)) {
            throw new ApiException(ApiError.UNPROCESSABLE, "'" + account + "' owns asset '" + id + "' already");
        }
        if (a.grants.containsKey(account)) {
            throw new ApiException(ApiError.CONFLICT, "'" + account + "' may already read asset '" + id + "'");
        }
        AssetMetadata l = a.latest();
        long h = ledger.commit(LedgerEvent.Category.ASSET, "asset.granted", id, Map.of("account", account),
                Set.of(a.owner, account));
        Instant now = clock.instant();
        AssetGrant g = new AssetGrant(id, account, a.owner, h, now);
        a.grants.put(account, g);
        a.history.add(new AssetVersion(l.version(), AssetVersion.Change.GRANT, a.owner, a.owner, l.size(), l.sha256(), l.sha3(),
                l.merkleRoot(), h, now, account));
        return g;
    }

    @Override
    public synchronized void revoke(Caller caller, String id, String account) throws ApiException {
        Asset a = live(id);
        requireOwner(caller, a);
        if (!a.grants.containsKey(account)) {
            throw ApiException.notFound("read grant of '" + account + "' on asset '" + id + "'");
        }
        a.grants.remove(account);
        AssetMetadata l = a.latest();
        long h = ledger.commit(LedgerEvent.Category.ASSET, "asset.grant-revoked", id, Map.of("account", account),
                Set.of(a.owner, account));
        a.history.add(new AssetVersion(l.version(), AssetVersion.Change.REVOKE, a.owner, a.owner, l.size(), l.sha256(), l.sha3(),
                l.merkleRoot(), h, clock.instant(), account));
    }

    @Override
    public synchronized Page<AssetGrant> grants(Caller caller, String id, PageRequest page) throws ApiException {
        Asset a = live(id);
        requireOwner(caller, a);
        return page(List.copyOf(a.grants.values()), page);
    }

    @Override
    public synchronized AssetProof proof(Caller caller, String id, OptionalLong version) throws ApiException {
        AssetMetadata m = metadata(caller, id, version);
        AssetVersion committed = live(id).history.stream().filter(h -> h.version() == m.version()).findFirst()
                .orElseThrow();
        var block = ledger.block(committed.blockHeight());
        return new AssetProof(id, m.version(), m.merkleRoot(), Sha3.hash(m.toString().getBytes()).toHex(),
                block.txRoot(), block.height(), block.hash(), List.of(), "");
    }

    /** The test double keeps content whole in memory: one "shard" per version, on the one node it is. */
    @Override
    public synchronized AssetLocations locations(Caller caller, String id, OptionalLong version) throws ApiException {
        AssetMetadata m = metadata(caller, id, version);
        return new AssetLocations(id, m.version(), "replicas:1",
                List.of(new AssetLocations.Shard(0, m.digest().hex(), m.size(), List.of("node-1"))));
    }

    /** An InputStream that yields at most {@code left} bytes and closes the inner stream. */
    private static final class BoundedInputStream extends InputStream {
        private final InputStream in;
        private long left;

        BoundedInputStream(InputStream in, long left) {
            this.in = in;
            this.left = left;
        }

        @Override
        public int read() throws IOException {
            byte[] b = new byte[1];
            return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
