package io.stoq.ledger;

import io.stoq.crypto.hash.Hash256;
import io.stoq.crypto.keys.SecureFiles;
import io.stoq.ledger.block.Block;
import io.stoq.ledger.store.Head;
import io.stoq.ledger.store.LedgerStore;
import io.stoq.ledger.store.StoreDamageException;
import io.stoq.ledger.verify.ChainVerifier;
import io.stoq.ledger.verify.VerifyReport;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code stoq ledger recover --truncate-to HEIGHT}: the operator's explicit way out of a damaged
 * ledger, keeping blocks 0..HEIGHT and dropping the rest, with a record of what was dropped.
 *
 * <p>It never repairs in place. It reads the blocks RocksDB's point-in-time view still has,
 * re-checks each with the follower path ({@link Ledger#append}: links, signatures, every tx, the
 * state root) into a new store beside the old one, then swaps the directories: the old one is
 * kept whole as {@code ledger.before-recover-<time>} (its damaged log may still be salvaged), the
 * rebuilt one takes its name, and a record is appended to {@code ledger-recovery.log} beside them.
 * A crash before the swap leaves the old ledger untouched; the swap is two renames in one
 * directory, fsynced. RocksDB's lock on the old store is held throughout, so a node cannot start
 * on it meanwhile, and a running node makes recovery refuse.
 *
 * <p>Only a ledger that does not check out may be truncated: RocksDB reports damage, or the chain
 * re-walk names a bad block; HEIGHT must then lie below the damage.
 */
public final class LedgerRecovery {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private LedgerRecovery() {}

    /** A block that recovery drops: its height and hash, or a null hash when it cannot be read. */
    public record Dropped(long height, Hash256 hash) {}

    /**
     * What a recovery would do. {@code lastReplayable} is the head of RocksDB's point-in-time view
     * (the blocks before the first damaged log record); {@code damage} says what is wrong.
     */
    public record Plan(Path dir, long keepThrough, long lastReplayable, List<Dropped> dropped, String damage) {}

    /** What a recovery did: where the old directory went and the rebuilt head. */
    public record Result(Plan plan, Path keptAside, Path record, long head, Hash256 headHash, Hash256 stateRoot) {}

    /** Checks that {@code dir} needs recovery and that blocks 0..{@code keepThrough} can be kept. */
    public static Plan plan(Path dir, long keepThrough) throws LedgerException {
        if (keepThrough < 0) {
            throw new LedgerException(LedgerErrorCode.MALFORMED, "--truncate-to must be a block height (0 or more), got " + keepThrough);
        }
        String damage;
        long limit = Long.MAX_VALUE;
        try (LedgerStore store = LedgerStore.openReadOnly(dir)) {
            VerifyReport report = new ChainVerifier(store, true).verify();
            if (report.ok()) {
                throw new LedgerException(LedgerErrorCode.CONFLICT, dir + " verifies intact (" + report.blocks()
                        + " blocks): recover only truncates a damaged ledger");
            }
            damage = report.reason();
            if (report.firstBadHeight() >= 0) {
                limit = report.firstBadHeight() - 1;
            }
        } catch (StoreDamageException e) {
            damage = e.getMessage();
        }
        try (LedgerStore pit = LedgerStore.openPointInTime(dir)) {
            Head head = pit.head();
            if (head == null) {
                throw new LedgerException(LedgerErrorCode.NOT_FOUND, dir + " has no block RocksDB can replay: nothing to keep");
            }
            long max = Math.min(limit, head.height());
            if (keepThrough > max) {
                throw new LedgerException(LedgerErrorCode.CONFLICT, "cannot keep blocks through " + keepThrough + ": the last block "
                        + "that can be kept is " + max + " (" + damage + ")");
            }
            List<Dropped> dropped = new ArrayList<>();
            for (long h = keepThrough + 1; h <= head.height(); h++) {
                Hash256 hash;
                try {
                    hash = pit.header(h).hash();
                } catch (LedgerException e) {
                    hash = null;
                }
                dropped.add(new Dropped(h, hash));
            }
            return new Plan(dir, keepThrough, head.height(), List.copyOf(dropped), damage);
        }
    }

    /**
     * Carries out {@code plan}: rebuild, swap, record. {@code operator} names who ran it in the
     * record (the OS user).
     */
    public static Result execute(Plan plan, Instant now, String operator) throws LedgerException {
        Path target = plan.dir().toAbsolutePath().normalize();
        Path building = target.resolveSibling(target.getFileName() + ".recovering");
        Path aside = target.resolveSibling(target.getFileName() + ".before-recover-" + STAMP.format(now));
        Path record = target.resolveSibling("ledger-recovery.log");
        try (FileChannel lockFile = FileChannel.open(target.resolve("LOCK"), StandardOpenOption.WRITE, StandardOpenOption.CREATE);
                FileLock lock = lockFile.tryLock()) {
            if (lock == null) {
                throw new LedgerException(LedgerErrorCode.CONFLICT, target + " is open in a running node; stop the node first");
            }
            deleteTree(building);
            Hash256 headHash;
            Hash256 root;
            try (LedgerStore pit = LedgerStore.openPointInTime(target); Ledger rebuilt = Ledger.open(building)) {
                rebuilt.parallelSignatures(true);
                for (long h = 0; h <= plan.keepThrough(); h++) {
                    Block block;
                    try {
                        block = pit.block(h);
                    } catch (LedgerException e) {
                        throw new LedgerException(LedgerErrorCode.CORRUPT, "block " + h + " cannot be read (" + e.getMessage()
                                + "); keep fewer blocks", e);
                    }
                    try {
                        rebuilt.append(block);
                    } catch (LedgerException e) {
                        throw new LedgerException(LedgerErrorCode.CORRUPT, "block " + h + " does not check out (" + e.getMessage()
                                + "); keep fewer blocks", e);
                    }
                }
                headHash = rebuilt.head().hash();
                root = rebuilt.stateRoot();
            } catch (LedgerException | RuntimeException e) {
                deleteTree(building);
                throw e;
            }
            carryOverForeignFiles(target, building);
            if (Files.exists(aside)) {
                throw new LedgerException(LedgerErrorCode.CONFLICT, aside + " already exists; run recover again in a second");
            }
            Files.move(target, aside, StandardCopyOption.ATOMIC_MOVE);
            Files.move(building, target, StandardCopyOption.ATOMIC_MOVE);
            SecureFiles.fsyncDirectory(target.getParent());
            appendRecord(record, describe(plan, now, operator, aside, headHash));
            return new Result(plan, aside, record, plan.keepThrough(), headHash, root);
        } catch (IOException e) {
            throw new LedgerException(LedgerErrorCode.STORE_FAILURE, "cannot recover " + target + ": " + e.getMessage(), e);
        }
    }

    /** The record appended to {@code ledger-recovery.log}, also what the CLI prints. */
    public static String describe(Plan plan, Instant now, String operator, Path aside, Hash256 headHash) {
        StringBuilder b = new StringBuilder();
        b.append(now).append(" stoq ledger recover by ").append(operator).append(": ").append(plan.dir().toAbsolutePath().normalize())
                .append(" truncated to block ").append(plan.keepThrough()).append(" (hash ").append(headHash.toHex()).append(")\n");
        b.append("  damage: ").append(plan.damage()).append('\n');
        b.append("  dropped: ");
        if (plan.dropped().isEmpty()) {
            b.append("no block RocksDB could replay (only what lay beyond the damage)");
        }
        for (int i = 0; i < plan.dropped().size(); i++) {
            Dropped d = plan.dropped().get(i);
            b.append(i == 0 ? "" : ", ").append("block ").append(d.height()).append(' ')
                    .append(d.hash() == null ? "(unreadable)" : d.hash().toHex());
        }
        b.append('\n').append("  the previous directory, damage included, is kept at ").append(aside).append('\n');
        return b.toString();
    }

    /** RocksDB's own files; anything else in the directory (a bench's network-root.pem) moves to the rebuilt one. */
    private static final java.util.regex.Pattern ROCKSDB_FILE = java.util.regex.Pattern.compile(
            "[0-9]+\\.(log|sst|blob)|MANIFEST-[0-9]+|CURRENT|IDENTITY|LOCK|LOG(\\..*)?|OPTIONS-[0-9]+(\\.dbtmp)?");

    private static void carryOverForeignFiles(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(f) && !ROCKSDB_FILE.matcher(f.getFileName().toString()).matches()) {
                    Path copy = to.resolve(f.getFileName());
                    Files.copy(f, copy, StandardCopyOption.COPY_ATTRIBUTES);
                    try (FileChannel c = FileChannel.open(copy, StandardOpenOption.WRITE)) {
                        c.force(true);
                    }
                }
            }
        }
        SecureFiles.fsyncDirectory(to);
    }

    private static void appendRecord(Path record, String text) throws IOException {
        try (FileChannel out = FileChannel.open(record, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ByteBuffer buf = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (buf.hasRemaining()) {
                out.write(buf);
            }
            out.force(true);
        }
        SecureFiles.fsyncDirectory(record.getParent());
    }

    private static void deleteTree(Path dir) throws LedgerException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new LedgerException(LedgerErrorCode.STORE_FAILURE, "cannot remove " + dir + ": " + e.getMessage(), e);
        }
    }
}
