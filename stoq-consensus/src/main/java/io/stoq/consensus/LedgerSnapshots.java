package io.stoq.consensus;

import io.stoq.ledger.Ledger;
import io.stoq.ledger.LedgerException;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.impl.FileListSnapshotInfo;
import org.apache.ratis.util.FileUtils;

/**
 * Raft snapshots of the ledger: each one a RocksDB checkpoint of the whole ledger store in its own
 * directory {@code snapshot.<term>_<index>} under Ratis's state machine directory, where
 * {@code term_index} is the last log entry applied to the ledger it holds.
 *
 * <pre>
 *   take:     checkpoint into .tmp-snapshot..., write ledger.meta (its ledger height), fsync, rename to
 *             snapshot.T_I (a crash leaves only a tmp dir, removed at start)
 *   send:     Ratis's leader streams every file of the latest snapshot to a follower that lags behind the purged log
 *   install:  Ratis places the snapshot in the follower's state machine directory; {@link #restore} then
 *             copies it into ledger.installing, fsyncs, moves the ledger aside to ledger.replaced, renames
 *             ledger.installing to ledger, fsyncs the parent, deletes ledger.replaced; the ledger reopens
 *   purge:    Ratis keeps {@code snapshotsKept} snapshots ({@link #cleanupOldSnapshots}) and purges the log up to the newest
 * </pre>
 *
 * <p><b>A crash during an install.</b> Once the snapshot sits in the state machine directory, a
 * restart takes its index as applied and replays the log after it, so the ledger must hold at
 * least the snapshot's blocks. {@link #openRecovered} makes that so at every start, whatever step a
 * crash interrupted: a leftover {@code ledger.installing} is deleted; a ledger directory missing
 * beside {@code ledger.replaced} (a crash between the two renames) gets the old one back; a
 * leftover {@code ledger.replaced} beside the new ledger is deleted; and a ledger lower than the
 * height recorded in the newest snapshot's {@code ledger.meta} (a crash before the swap) is
 * replaced from the snapshot, the same way, before anything reads it. Fault points
 * {@link ConsensusFaults#INSTALL_BEGIN} to {@link ConsensusFaults#INSTALL_SWAPPED} let tests crash
 * at each step.
 *
 * <p>Thread: Ratis calls take, install and cleanup from its apply thread (never concurrently with
 * an apply); {@link #getLatestSnapshot} from any thread (volatile).
 */
final class LedgerSnapshots implements StateMachineStorage {
    private static final Pattern NAME = Pattern.compile("snapshot\\.(\\d+)_(\\d+)");
    private static final String TMP = ".tmp-snapshot.";
    /** The ledger height a snapshot holds, written beside the checkpoint (sent with it; never copied into the ledger). */
    static final String META = "ledger.meta";

    /** Opens a ledger directory (the state machine's {@code Ledger.open} with its settings). */
    @FunctionalInterface
    interface Opener {
        Ledger open(Path dir) throws IOException;
    }

    private final String self;

    LedgerSnapshots(String self) {
        this.self = self;
    }

    private volatile File smDir;
    private volatile FileListSnapshotInfo latest;

    @Override
    public void init(RaftStorage storage) throws IOException {
        init(storage.getStorageDir().getStateMachineDir().toPath());
    }

    /** {@link #init(RaftStorage)} with the state machine directory itself (tests). */
    void init(Path stateMachineDir) throws IOException {
        smDir = stateMachineDir.toFile();
        Files.createDirectories(smDir.toPath());
        try (Stream<Path> s = Files.list(smDir.toPath())) {
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith(TMP)).toList()) {
                FileUtils.deleteFully(p); // a snapshot a crash interrupted
            }
        }
        reload();
    }

    /** Rereads which snapshot is newest (after start and after Ratis installed one from the leader). */
    void reload() throws IOException {
        List<Path> dirs = snapshots();
        latest = dirs.isEmpty() ? null : info(dirs.get(dirs.size() - 1));
    }

    @Override
    public SnapshotInfo getLatestSnapshot() {
        return latest;
    }

    /** Checkpoints {@code ledger}, which has applied the log up to {@code applied}, as a new snapshot. */
    long take(Ledger ledger, TermIndex applied) throws IOException {
        Path dir = smDir.toPath().resolve("snapshot." + applied.getTerm() + "_" + applied.getIndex());
        if (Files.isDirectory(dir)) {
            return applied.getIndex();
        }
        Path tmp = smDir.toPath().resolve(TMP + applied.getTerm() + "_" + applied.getIndex());
        FileUtils.deleteFully(tmp);
        try {
            ledger.checkpoint(tmp);
        } catch (LedgerException e) {
            throw new IOException(e.getMessage(), e);
        }
        Files.writeString(tmp.resolve(META), "height=" + ledger.height() + "\n", java.nio.charset.StandardCharsets.US_ASCII);
        fsyncTree(tmp);
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        fsync(smDir.toPath());
        latest = info(dir);
        return applied.getIndex();
    }

    /**
     * Replaces {@code ledgerDir} with a copy of the newest snapshot (the ledger must be closed).
     * Returns the snapshot's term and index, or null when there is none.
     */
    TermIndex restore(Path ledgerDir) throws IOException {
        FileListSnapshotInfo s = latest;
        if (s == null) {
            return null;
        }
        Path source = snapshotDir(s);
        long index = s.getTermIndex().getIndex();
        ConsensusFaults.at(ConsensusFaults.INSTALL_BEGIN, self, index);
        Path staging = staging(ledgerDir);
        FileUtils.deleteFully(staging);
        Files.createDirectories(staging);
        try (Stream<Path> files = Files.list(source)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String name = f.getFileName().toString();
                if (name.endsWith(".md5") || name.equals(META)) {
                    continue; // Ratis's digest of a received file, and our height record: not part of the store
                }
                Files.copy(f, staging.resolve(name));
            }
        }
        fsyncTree(staging);
        ConsensusFaults.at(ConsensusFaults.INSTALL_STAGED, self, index);
        Path old = replaced(ledgerDir);
        FileUtils.deleteFully(old);
        if (Files.exists(ledgerDir)) {
            Files.move(ledgerDir, old, StandardCopyOption.ATOMIC_MOVE);
        }
        ConsensusFaults.at(ConsensusFaults.INSTALL_OLD_MOVED, self, index);
        Files.move(staging, ledgerDir, StandardCopyOption.ATOMIC_MOVE);
        fsync(ledgerDir.toAbsolutePath().getParent());
        ConsensusFaults.at(ConsensusFaults.INSTALL_SWAPPED, self, index);
        FileUtils.deleteFully(old);
        return s.getTermIndex();
    }

    private static Path staging(Path ledgerDir) {
        return ledgerDir.resolveSibling(ledgerDir.getFileName() + ".installing");
    }

    private static Path replaced(Path ledgerDir) {
        return ledgerDir.resolveSibling(ledgerDir.getFileName() + ".replaced");
    }

    /**
     * Opens the ledger at start, first finishing or undoing whatever a crash left of an install
     * (see the class comment), so the ledger holds at least the newest snapshot's blocks.
     */
    Ledger openRecovered(Path ledgerDir, Opener opener) throws IOException {
        Path staging = staging(ledgerDir);
        Path old = replaced(ledgerDir);
        if (Files.exists(staging)) {
            FileUtils.deleteFully(staging); // an install that did not reach its swap: redone below if needed
        }
        if (Files.exists(old)) {
            if (Files.exists(ledgerDir)) {
                FileUtils.deleteFully(old); // swapped; only the old one's deletion was left
            } else {
                Files.move(old, ledgerDir, StandardCopyOption.ATOMIC_MOVE); // crashed between the renames: the old one back
                fsync(ledgerDir.toAbsolutePath().getParent());
                org.slf4j.LoggerFactory.getLogger(LedgerSnapshots.class).warn("{}: a snapshot install was interrupted between "
                        + "its renames; the previous ledger is back in {}", self, ledgerDir);
            }
        }
        Ledger ledger = opener.open(ledgerDir);
        long needed = latestHeight();
        if (ledger.height() >= needed) {
            return ledger;
        }
        org.slf4j.LoggerFactory.getLogger(LedgerSnapshots.class).warn("{}: the ledger holds height {} but the installed snapshot {} "
                + "holds {} (an install a crash interrupted): installing it now", self, ledger.height(),
                snapshotDir(latest).getFileName(), needed);
        ledger.close();
        restore(ledgerDir);
        return opener.open(ledgerDir);
    }

    /** The ledger height the newest snapshot holds, per its {@link #META}; -1 without one (an older snapshot: nothing to check). */
    long latestHeight() throws IOException {
        FileListSnapshotInfo s = latest;
        if (s == null) {
            return -1;
        }
        Path meta = snapshotDir(s).resolve(META);
        if (!Files.exists(meta)) {
            return -1;
        }
        String text = Files.readString(meta, java.nio.charset.StandardCharsets.US_ASCII).trim();
        if (!text.startsWith("height=")) {
            throw new IOException(meta + " is not a snapshot height record");
        }
        try {
            return Long.parseLong(text.substring("height=".length()));
        } catch (NumberFormatException e) {
            throw new IOException(meta + " is not a snapshot height record", e);
        }
    }

    @Override
    public void format() {
        // Ratis formats its own directories; the ledger is not Ratis's to erase.
    }

    @Override
    public void cleanupOldSnapshots(SnapshotRetentionPolicy policy) throws IOException {
        int keep = policy.getNumSnapshotsRetained();
        if (keep <= 0) {
            return;
        }
        List<Path> dirs = snapshots();
        for (int i = 0; i < dirs.size() - keep; i++) {
            FileUtils.deleteFully(dirs.get(i));
        }
    }

    /** The snapshot directories, oldest first. */
    List<Path> snapshots() throws IOException {
        if (smDir == null || !smDir.isDirectory()) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(smDir.toPath())) {
            return s.filter(p -> NAME.matcher(p.getFileName().toString()).matches() && Files.isDirectory(p))
                    .sorted(Comparator.comparingLong(LedgerSnapshots::index)).toList();
        }
    }

    private static long index(Path dir) {
        Matcher m = NAME.matcher(dir.getFileName().toString());
        if (!m.matches()) {
            throw new IllegalArgumentException(dir.toString());
        }
        return Long.parseLong(m.group(2));
    }

    private static Path snapshotDir(FileListSnapshotInfo s) {
        return s.getFiles().get(0).getPath().getParent();
    }

    private static FileListSnapshotInfo info(Path dir) throws IOException {
        Matcher m = NAME.matcher(dir.getFileName().toString());
        if (!m.matches()) {
            throw new IOException("not a snapshot directory: " + dir);
        }
        List<FileInfo> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().endsWith(".md5")).sorted().toList()) {
                files.add(new FileInfo(f.toAbsolutePath(), null));
            }
        }
        if (files.isEmpty()) {
            throw new IOException("snapshot directory " + dir + " is empty");
        }
        return new FileListSnapshotInfo(files, Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
    }

    private static void fsyncTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(Files::isRegularFile).forEach(f -> {
                try (FileChannel c = FileChannel.open(f, StandardOpenOption.WRITE)) {
                    c.force(true);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        fsync(dir);
    }

    private static void fsync(Path dir) throws IOException {
        try (FileChannel c = FileChannel.open(dir, StandardOpenOption.READ)) {
            c.force(true);
        }
    }
}
