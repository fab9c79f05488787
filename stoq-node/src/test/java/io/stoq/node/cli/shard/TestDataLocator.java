package io.stoq.node.cli.shard;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Finds shared/testdata beside the repository, from stoq-node's module directory. */
final class TestDataLocator {
    private TestDataLocator() {}

    static Path fastcdc() {
        Path here = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        List<Path> candidates = List.of(here.resolve("../../shared/testdata/fastcdc").normalize(),
                here.resolve("../shared/testdata/fastcdc").normalize());
        for (Path p : candidates) {
            if (Files.isRegularFile(p.resolve("SekienAkashita.jpg"))) {
                return p;
            }
        }
        throw new AssertionError("FastCDC reference data not found in " + candidates + ": check out shared/ beside the repository");
    }
}
