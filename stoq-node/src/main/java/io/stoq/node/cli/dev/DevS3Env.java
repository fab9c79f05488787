package io.stoq.node.cli.dev;

import io.stoq.crypto.CryptoException;
import io.stoq.crypto.keys.SecureFiles;
import io.stoq.fragmint.port.ApiException;
import io.stoq.fragmint.port.S3KeyStore;
import io.stoq.node.NodeErrorCode;
import io.stoq.node.NodeException;
import io.stoq.node.daemon.StoqNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code DATA/dev-s3.env} (0600): the dev admin's S3 key as the environment variables aws-cli,
 * rclone (env_auth) and the SDKs read, so {@code set -a; . data/dev-s3.env} is all a newcomer
 * needs. Made once; a later start keeps it while its key is still live, else makes a new key.
 */
final class DevS3Env {
    static final String FILE = "dev-s3.env";
    private static final Pattern KEY_ID = Pattern.compile("(?m)^AWS_ACCESS_KEY_ID=(\\S+)$");

    private DevS3Env() {}

    static Path ensure(Path data, StoqNode node, String region) throws NodeException {
        Path file = data.resolve(FILE);
        S3KeyStore keys = node.s3Keys();
        try {
            if (Files.exists(file)) {
                Matcher m = KEY_ID.matcher(Files.readString(file, StandardCharsets.UTF_8));
                if (m.find() && keys.find(m.group(1)).isPresent()) {
                    return file;
                }
            }
            S3KeyStore.S3Key k = keys.create(io.stoq.node.accounts.AdminBootstrap.ADMIN);
            String env = "# S3 credentials of the dev admin (stoq dev); source with: set -a; . " + file + "; set +a\n"
                    + "AWS_ACCESS_KEY_ID=" + k.accessKeyId() + "\n"
                    + "AWS_SECRET_ACCESS_KEY=" + k.secret() + "\n"
                    + "AWS_DEFAULT_REGION=" + region + "\n"
                    + "AWS_ENDPOINT_URL=" + node.s3Server().endpoint() + "\n";
            SecureFiles.writePrivate(file, env.getBytes(StandardCharsets.UTF_8));
            return file;
        } catch (ApiException | CryptoException | IOException e) {
            throw new NodeException(NodeErrorCode.IO_ERROR, "cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
