package io.stoq.crypto.keys;

import io.stoq.crypto.CryptoErrorCode;
import io.stoq.crypto.CryptoException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * Writes files atomically (temp file, fsync, rename, fsync of the directory) and checks that files
 * and directories holding secrets are private to their owner.
 *
 * <p>A crash at any point leaves either the old file or the new one, never a torn mix.
 */
public final class SecureFiles {
    private static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> GROUP_OR_OTHER = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private SecureFiles() {}

    /** Atomically writes a secret file readable only by its owner (0600). */
    public static void writePrivate(Path target, byte[] content) throws CryptoException {
        write(target, content, true);
    }

    /** Atomically writes a public file (0644). */
    public static void writePublic(Path target, byte[] content) throws CryptoException {
        write(target, content, false);
    }

    /** Creates {@code dir} (and parents) with owner-only permissions if it does not exist. */
    public static void createPrivateDirectory(Path dir) throws CryptoException {
        try {
            if (!Files.isDirectory(dir)) {
                createDirectoriesDurably(dir, asAttribute(OWNER_DIR));
            }
            if (isPosix(dir)) {
                Files.setPosixFilePermissions(dir, OWNER_DIR);
            }
        } catch (IOException e) {
            throw new CryptoException(CryptoErrorCode.IO_ERROR, "cannot create directory " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Refuses a path (file or directory) that group or others may access: a key there may already
     * have leaked, so the operator must look before stoq uses it.
     */
    public static void requireOwnerOnly(Path path) throws CryptoException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            throw new CryptoException(CryptoErrorCode.NOT_FOUND, path + " does not exist");
        }
        if (!isPosix(path)) {
            return;
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(path);
            Set<PosixFilePermission> loose = EnumSet.noneOf(PosixFilePermission.class);
            loose.addAll(perms);
            loose.retainAll(GROUP_OR_OTHER);
            if (!loose.isEmpty()) {
                String expected = Files.isDirectory(path) ? "0700 (rwx------)" : "0600 (rw-------)";
                throw new CryptoException(CryptoErrorCode.INSECURE_PERMISSIONS,
                        path + " has permissions " + PosixFilePermissions.toString(perms)
                                + "; it holds secrets and must be " + expected + " (chmod " + expected.substring(1, 4) + ")");
            }
        } catch (IOException e) {
            throw new CryptoException(CryptoErrorCode.IO_ERROR, "cannot read permissions of " + path + ": " + e.getMessage(), e);
        }
    }

    private static void write(Path target, byte[] content, boolean ownerOnly) throws CryptoException {
        Path dir = target.toAbsolutePath().getParent();
        Path temp = null;
        try {
            createDirectoriesDurably(dir);
            temp = isPosix(dir)
                    ? Files.createTempFile(dir, "." + target.getFileName(), ".tmp", asAttribute(OWNER_FILE))
                    : Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            if (!ownerOnly && isPosix(temp)) {
                Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-r--r--"));
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            temp = null;
            fsyncDirectory(dir);
        } catch (FileAlreadyExistsException e) {
            throw new CryptoException(CryptoErrorCode.ALREADY_EXISTS, target + " already exists", e);
        } catch (IOException e) {
            throw new CryptoException(CryptoErrorCode.IO_ERROR, "cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // The write already failed and that error is what the caller needs; a stray
                    // dot-file is harmless and named after its target.
                }
            }
        }
    }

    /**
     * Creates {@code dir} and its missing parents, fsyncing the parent of every level it had to
     * create. Why: on Linux a new directory entry is durable only once its parent directory is
     * synced, so without this a power loss can lose a fresh directory together with every file
     * that was fsynced and acknowledged inside it. Levels that already exist are left alone; a
     * level another thread created in the meantime has its parent synced too, because that thread
     * may not have synced it yet when this one returns.
     */
    public static void createDirectoriesDurably(Path dir, FileAttribute<?>... attributes) throws IOException {
        java.util.Deque<Path> missing = new java.util.ArrayDeque<>();
        for (Path p = dir.toAbsolutePath().normalize(); p != null && !Files.isDirectory(p); p = p.getParent()) {
            missing.push(p);
        }
        while (!missing.isEmpty()) {
            Path level = missing.pop();
            try {
                Files.createDirectory(level, attributes);
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(level)) {
                    throw e;
                }
            }
            fsyncDirectory(level.getParent());
        }
    }

    /** Makes a rename durable: on Linux the directory entry is only persistent after the directory is synced. */
    public static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // Some filesystems (and all of Windows) refuse to open a directory for reading.
            if (isPosix(dir)) {
                throw e;
            }
        }
    }

    private static boolean isPosix(Path path) {
        return path.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    private static FileAttribute<Set<PosixFilePermission>> asAttribute(Set<PosixFilePermission> perms) {
        return PosixFilePermissions.asFileAttribute(perms);
    }
}
