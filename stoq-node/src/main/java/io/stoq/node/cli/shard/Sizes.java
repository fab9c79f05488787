package io.stoq.node.cli.shard;

import java.util.Locale;

/** Human-readable byte counts and rates for text output. */
final class Sizes {
    private Sizes() {}

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    static double mbPerSecond(long bytes, long nanos) {
        return nanos <= 0 ? 0 : bytes / 1e6 / (nanos / 1e9);
    }
}
