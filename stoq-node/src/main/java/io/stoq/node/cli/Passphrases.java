package io.stoq.node.cli;

import io.stoq.crypto.CryptoErrorCode;
import io.stoq.crypto.CryptoException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Where passphrases come from: a file (first line) or an environment variable, never a command-line
 * argument, which would show up in {@code ps} and shell history.
 */
public final class Passphrases {
    private Passphrases() {}

    /**
     * The passphrase from {@code file} if given, else from environment variable {@code envName},
     * else null (meaning: unencrypted keys).
     */
    public static char[] resolve(Path file, String envName) throws CryptoException {
        if (file != null) {
            try {
                String text = Files.readString(file, StandardCharsets.UTF_8);
                String firstLine = text.lines().findFirst().orElse("");
                if (firstLine.isEmpty()) {
                    throw new CryptoException(CryptoErrorCode.BAD_PASSPHRASE, "passphrase file " + file + " is empty");
                }
                return firstLine.toCharArray();
            } catch (NoSuchFileException e) {
                throw new CryptoException(CryptoErrorCode.NOT_FOUND, "passphrase file " + file + " does not exist");
            } catch (IOException e) {
                throw new CryptoException(CryptoErrorCode.IO_ERROR, "cannot read passphrase file " + file + ": " + e.getMessage(), e);
            }
        }
        String env = System.getenv(envName);
        return env == null || env.isEmpty() ? null : env.toCharArray();
    }
}
