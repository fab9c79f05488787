package io.stoq.fragmint.http;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A number of bytes, written in config and output with binary units: {@code 512KiB}, {@code 64MiB},
 * {@code 4GiB}, {@code 1TiB}, or a plain byte count. Keeps sizes out of bare {@code long}s. The one
 * size type of the project: the API server's limits and the node's config keys both use it
 * (it lives here, in the lowest module both depend on).
 */
public record DataSize(long bytes) implements Comparable<DataSize> {
    private static final Pattern FORMAT = Pattern.compile("\\s*(\\d+)\\s*([KMGT]i?B|B)?\\s*", Pattern.CASE_INSENSITIVE);
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB"};

    public DataSize {
        if (bytes < 0) {
            throw new IllegalArgumentException("a size cannot be negative: " + bytes);
        }
    }

    public static DataSize ofBytes(long bytes) {
        return new DataSize(bytes);
    }

    public static DataSize ofKiB(long kib) {
        return new DataSize(Math.multiplyExact(kib, 1024L));
    }

    public static DataSize ofMiB(long mib) {
        return new DataSize(Math.multiplyExact(mib, 1024L * 1024));
    }

    public static DataSize ofGiB(long gib) {
        return new DataSize(Math.multiplyExact(gib, 1024L * 1024 * 1024));
    }

    /** Parses {@code 123}, {@code 123B}, {@code 64KiB}, {@code 64MiB}, {@code 4GiB}, {@code 1TiB} (KB etc. mean the same binary units). */
    public static DataSize parse(String text) {
        Matcher m = FORMAT.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size like 512KiB, 64MiB or 4GiB");
        }
        long value = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
        int shift = switch (unit.charAt(0)) {
            case 'K' -> 10;
            case 'M' -> 20;
            case 'G' -> 30;
            case 'T' -> 40;
            default -> 0;
        };
        if (shift > 0 && value > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException("'" + text + "' is too large");
        }
        return new DataSize(value << shift);
    }

    @Override
    public int compareTo(DataSize o) {
        return Long.compare(bytes, o.bytes);
    }

    /** The largest exact unit: {@code 65536} prints as {@code 64KiB}, {@code 1000} as {@code 1000B}. */
    @Override
    public String toString() {
        long value = bytes;
        int unit = 0;
        while (unit < UNITS.length - 1 && value != 0 && value % 1024 == 0) {
            value /= 1024;
            unit++;
        }
        return value + UNITS[unit];
    }

    /** Rounded, for humans: {@code 53.2 GiB}. */
    public String approximate() {
        double value = bytes;
        int unit = 0;
        while (unit < UNITS.length - 1 && value >= 1024) {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", value, UNITS[unit]);
    }
}
