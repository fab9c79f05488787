package io.stoq.crypto.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Durable directory creation: every missing level is made (its parent fsynced; that part is
 * checked by strace in docs/ledger.md, not observable from Java), existing levels are left alone,
 * racing creators all succeed, and a file in the way is an error.
 */
@Timeout(30)
class SecureFilesTest {
    @TempDir
    Path tmp;

    @Test
    void createsEveryMissingLevelAndLeavesExistingOnesAlone() throws Exception {
        Path deep = tmp.resolve("a/b/c/d");
        SecureFiles.createDirectoriesDurably(deep);
        assertThat(deep).isDirectory();
        Files.writeString(tmp.resolve("a/b/keep.txt"), "x");
        SecureFiles.createDirectoriesDurably(deep);
        SecureFiles.createDirectoriesDurably(tmp.resolve("a/b/c/e"));
        assertThat(tmp.resolve("a/b/keep.txt")).hasContent("x");
        assertThat(tmp.resolve("a/b/c/e")).isDirectory();
    }

    @Test
    void privateDirectoriesGetOwnerOnlyPermissionsOnEveryNewLevel() throws Exception {
        SecureFiles.createPrivateDirectory(tmp.resolve("p/q"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("p")))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("p/q")))).isEqualTo("rwx------");
        SecureFiles.writePrivate(tmp.resolve("new/dir/secret.bin"), new byte[] {1});
        assertThat(tmp.resolve("new/dir/secret.bin")).hasBinaryContent(new byte[] {1});
    }

    @Test
    void racingCreatorsOfTheSameLevelsAllSucceed() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Void>> done = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                Path target = tmp.resolve("shards/" + (i % 4) + "/" + (i % 16));
                done.add(pool.submit((Callable<Void>) () -> {
                    SecureFiles.createDirectoriesDurably(target);
                    return null;
                }));
            }
            for (Future<Void> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(tmp.resolve("shards/3/15")).isDirectory();
    }

    @Test
    void aFileInTheWayIsAnError() throws Exception {
        Files.writeString(tmp.resolve("file"), "x");
        assertThatThrownBy(() -> SecureFiles.createDirectoriesDurably(tmp.resolve("file/sub")))
                .isInstanceOf(FileAlreadyExistsException.class);
    }
}
