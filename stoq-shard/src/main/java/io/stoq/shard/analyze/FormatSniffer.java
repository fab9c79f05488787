package io.stoq.shard.analyze;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Detects a {@link ContentFormat} from the first bytes of a file (its magic numbers, or for text
 * the shape of its first lines). Reads only the head, so it works on a stream before chunking.
 *
 * <p>Why not a library (Apache Tika, {@code Files.probeContentType})? Tika's detector drags in a
 * large dependency tree for a decision that needs a dozen magic numbers, and the JDK's probe looks
 * at file names, not bytes. What sharding needs is narrower: container vs text vs dense data.
 */
public final class FormatSniffer {
    /** How many leading bytes {@link #sniff} looks at; more is ignored. */
    public static final int HEAD_BYTES = 8192;

    private FormatSniffer() {}

    /** Format of data whose first bytes are {@code head[0, length)}. */
    public static ContentFormat sniff(byte[] head, int length) {
        int n = Math.min(length, Math.min(head.length, HEAD_BYTES));
        if (n == 0) {
            return ContentFormat.TEXT; // an empty file is trivially text; one empty shard either way
        }
        if (startsWith(head, n, 'P', 'K', 3, 4) || startsWith(head, n, 'P', 'K', 5, 6) || startsWith(head, n, 'P', 'K', 7, 8)) {
            return ContentFormat.ZIP;
        }
        if (n >= 262 && head[257] == 'u' && head[258] == 's' && head[259] == 't' && head[260] == 'a' && head[261] == 'r') {
            return ContentFormat.TAR;
        }
        if (isMedia(head, n)) {
            return ContentFormat.MEDIA;
        }
        if (isText(head, n)) {
            return textKind(head, n);
        }
        return ContentFormat.BINARY;
    }

    private static boolean isMedia(byte[] h, int n) {
        return startsWith(h, n, 0x1f, 0x8b)                          // gzip
                || startsWith(h, n, 0x28, 0xb5, 0x2f, 0xfd)          // zstd
                || startsWith(h, n, 0xfd, '7', 'z', 'X', 'Z', 0)     // xz
                || startsWith(h, n, 'B', 'Z', 'h')                   // bzip2
                || startsWith(h, n, '7', 'z', 0xbc, 0xaf, 0x27, 0x1c) // 7z
                || startsWith(h, n, 'R', 'a', 'r', '!')              // rar
                || startsWith(h, n, 0xff, 0xd8, 0xff)                // JPEG
                || startsWith(h, n, 0x89, 'P', 'N', 'G')             // PNG
                || startsWith(h, n, 'G', 'I', 'F', '8')              // GIF
                || startsWith(h, n, 'R', 'I', 'F', 'F')              // WAV, AVI, WebP
                || startsWith(h, n, 'O', 'g', 'g', 'S')              // Ogg
                || startsWith(h, n, 'f', 'L', 'a', 'C')              // FLAC
                || startsWith(h, n, 'I', 'D', '3')                   // MP3 with ID3
                || startsWith(h, n, 0x1a, 0x45, 0xdf, 0xa3)          // Matroska / WebM
                || (n >= 8 && h[4] == 'f' && h[5] == 't' && h[6] == 'y' && h[7] == 'p'); // MP4, MOV, HEIC
    }

    private static boolean isText(byte[] h, int n) {
        int control = 0;
        for (int i = 0; i < n; i++) {
            int b = h[i] & 0xff;
            if (b == 0) {
                return false;
            }
            if (b < 0x20 && b != '\n' && b != '\r' && b != '\t' && b != '\f') {
                control++;
            }
        }
        if (control * 100 > n) {
            return false;
        }
        // Valid UTF-8, allowing a multi-byte sequence cut off by the end of the head.
        for (int cut = 0; cut < 4 && cut < n; cut++) {
            CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT);
            try {
                decoder.decode(ByteBuffer.wrap(h, 0, n - cut));
                return true;
            } catch (CharacterCodingException e) {
                // try with one byte fewer: the head may end inside a character
            }
        }
        return false;
    }

    private static ContentFormat textKind(byte[] h, int n) {
        String text = new String(h, 0, n, StandardCharsets.UTF_8);
        String[] lines = text.split("\r?\n", -1);
        int complete = lines.length - 1; // the last element is a partial line (or empty)
        if (complete < 2) {
            return ContentFormat.TEXT;
        }
        boolean json = true;
        int nonEmpty = 0;
        for (int i = 0; i < complete; i++) {
            String line = lines[i].strip();
            if (line.isEmpty()) {
                continue;
            }
            nonEmpty++;
            if (!((line.startsWith("{") && line.endsWith("}")) || (line.startsWith("[") && line.endsWith("]")))) {
                json = false;
                break;
            }
        }
        if (json && nonEmpty >= 2) {
            return ContentFormat.JSON_LINES;
        }
        for (char delimiter : new char[] {',', ';', '\t'}) {
            if (consistentFields(lines, complete, delimiter)) {
                return ContentFormat.CSV;
            }
        }
        return ContentFormat.TEXT;
    }

    /** Every complete line has the same number (at least one) of delimiters outside quotes. */
    private static boolean consistentFields(String[] lines, int complete, char delimiter) {
        int expected = -1;
        for (int i = 0; i < complete; i++) {
            if (lines[i].isEmpty()) {
                continue;
            }
            int count = 0;
            boolean quoted = false;
            for (int j = 0; j < lines[i].length(); j++) {
                char c = lines[i].charAt(j);
                if (c == '"') {
                    quoted = !quoted;
                } else if (c == delimiter && !quoted) {
                    count++;
                }
            }
            if (count == 0 || (expected >= 0 && count != expected)) {
                return false;
            }
            expected = count;
        }
        return expected > 0;
    }

    private static boolean startsWith(byte[] h, int n, int... magic) {
        if (n < magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if ((h[i] & 0xff) != (magic[i] & 0xff)) {
                return false;
            }
        }
        return true;
    }
}
