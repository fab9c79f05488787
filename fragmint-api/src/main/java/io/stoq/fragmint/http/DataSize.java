package io.stoq.fragmint.http;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A size in bytes, so limits never travel as bare longs. Parses {@code 64KiB}, {@code 10MiB},
 * {@code 1GiB}, {@code 2TiB} or a plain byte count.
 *
 * @param bytes the size in bytes, {@code >= 0}
 */
public record DataSize(long bytes) {
    private static final Pattern FORMAT = Pattern.compile("(\\d+)\\s*(B|KiB|MiB|GiB|TiB)?");

    public DataSize {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative size " + bytes);
        }
    }

    public static DataSize ofBytes(long n) {
        return new DataSize(n);
    }

    public static DataSize ofKiB(long n) {
        return new DataSize(Math.multiplyExact(n, 1024L));
    }

    public static DataSize ofMiB(long n) {
        return new DataSize(Math.multiplyExact(n, 1024L * 1024));
    }

    public static DataSize ofGiB(long n) {
        return new DataSize(Math.multiplyExact(n, 1024L * 1024 * 1024));
    }

    /** Parses the forms listed above; IllegalArgumentException otherwise. */
    public static DataSize parse(String text) {
        Matcher m = FORMAT.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a size: '" + text + "' (use e.g. 64KiB, 10MiB, 1GiB)");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "B" : m.group(2);
        long mult = switch (unit) {
            case "KiB" -> 1L << 10;
            case "MiB" -> 1L << 20;
            case "GiB" -> 1L << 30;
            case "TiB" -> 1L << 40;
            default -> 1L;
        };
        return new DataSize(Math.multiplyExact(n, mult));
    }

    @Override
    public String toString() {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        long v = bytes;
        int u = 0;
        while (u < units.length - 1 && v != 0 && v % 1024 == 0) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%d%s", v, units[u]);
    }
}
