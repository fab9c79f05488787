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
 *   take:     checkpoint into .tmp-snapshot..., fsync, rename to snapshot.T_I (a crash leaves only a tmp dir, removed at start)
 *   send:     Ratis's leader streams every file of the latest snapshot to a follower that lags behind the purged log
 *   install:  Ratis replaces the follower's state machine directory; {@link #restore} copies the newest
 *             snapshot over the ledger directory and the ledger reopens at the snapshot's block
 *   purge:    Ratis keeps {@code snapshotsKept} snapshots ({@link #cleanupOldSnapshots}) and purges the log up to the newest
 * </pre>
 *
 * <p>Thread: Ratis calls take, install and cleanup from its apply thread (never concurrently with
 * an apply); {@link #getLatestSnapshot} from any thread (volatile).
 */
final class LedgerSnapshots implements StateMachineStorage {
    private static final Pattern NAME = Pattern.compile("snapshot\\.(\\d+)_(\\d+)");
    private static final String TMP = ".tmp-snapshot.";

    private volatile File smDir;
    private volatile FileListSnapshotInfo latest;

    @Override
    public void init(RaftStorage storage) throws IOException {
        smDir = storage.getStorageDir().getStateMachineDir();
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
        Path staging = ledgerDir.resolveSibling(ledgerDir.getFileName() + ".installing");
        FileUtils.deleteFully(staging);
        Files.createDirectories(staging);
        try (Stream<Path> files = Files.list(source)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                if (f.getFileName().toString().endsWith(".md5")) {
                    continue; // Ratis's digest of a received file, not part of the store
                }
                Files.copy(f, staging.resolve(f.getFileName().toString()));
            }
        }
        fsyncTree(staging);
        Path old = ledgerDir.resolveSibling(ledgerDir.getFileName() + ".replaced");
        FileUtils.deleteFully(old);
        if (Files.exists(ledgerDir)) {
            Files.move(ledgerDir, old, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(staging, ledgerDir, StandardCopyOption.ATOMIC_MOVE);
        fsync(ledgerDir.toAbsolutePath().getParent());
        FileUtils.deleteFully(old);
        return s.getTermIndex();
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
