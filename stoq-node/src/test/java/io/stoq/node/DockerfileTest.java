package io.stoq.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * CI has no Docker engine, so the image is never built there: this keeps the Dockerfile's module
 * list in step with the root pom (a module missing from the dependency layer fails the image
 * build at {@code dependency:go-offline}, which nobody would see until an operator runs it).
 */
class DockerfileTest {
    @Test
    void everyModuleOfTheRootPomIsCopiedIntoTheBuildStage() throws Exception {
        String pom = Files.readString(Path.of("..", "pom.xml"));
        List<String> modules = new ArrayList<>();
        Matcher m = Pattern.compile("<module>([^<]+)</module>").matcher(pom);
        while (m.find()) {
            modules.add(m.group(1));
        }
        assertThat(modules).contains("stoq-node");
        String dockerfile = Files.readString(Path.of("..", "docker", "Dockerfile"));
        for (String module : modules) {
            assertThat(dockerfile).as(module).contains("COPY " + module + "/pom.xml " + module + "/");
        }
    }
}
