package io.stoq.shard;

import static org.assertj.core.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Locates the shared test data beside the repository (CI clones the repo with shared/ next to it). */
public final class TestData {
    private TestData() {}

    /** {@code shared/testdata/fastcdc}, resolved from the module or repository directory. */
    public static Path fastcdc() {
        Path here = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        List<Path> candidates = List.of(
                here.resolve("../../shared/testdata/fastcdc").normalize(),
                here.resolve("../shared/testdata/fastcdc").normalize());
        for (Path p : candidates) {
            if (Files.isRegularFile(p.resolve("vectors.json"))) {
                return p;
            }
        }
        return fail("FastCDC reference vectors not found; looked in " + candidates
                + ": the repository must be checked out with shared/ beside it");
    }
}
