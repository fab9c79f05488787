package io.stoq.ledger.store;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Where the open check of a RocksDB store ({@link RocksDurability#verifyTables}) says what it is
 * doing while it runs. The check reads every table and blob file once, so a store of many GiB
 * keeps a node from starting for as long as that read takes; an operator watching the log should
 * see why. A check of at least {@code announceBytes} says up front what it will read, then, while
 * it reads blob files, how far it got, at most once per {@code every}. Smaller checks (most, and
 * every one in the page cache: 1.5-3.8 GiB/s measured) only report when done, as before.
 *
 * @param sink where the lines go (the node's log)
 * @param announceBytes tables and blob files together at least this large are announced
 * @param every least time between two progress lines
 */
public record CheckProgress(Consumer<String> sink, long announceBytes, Duration every) {
    /** Says nothing. */
    public static final CheckProgress NONE = new CheckProgress(line -> {}, Long.MAX_VALUE, Duration.ofDays(1));
    /** Checks of this many bytes and more are announced: about 5 s from a disk at 200 MB/s. */
    public static final long DEFAULT_ANNOUNCE_BYTES = 1L << 30;
    /** A progress line at most this often. */
    public static final Duration DEFAULT_EVERY = Duration.ofSeconds(10);

    public CheckProgress {
        Objects.requireNonNull(sink, "sink");
        Objects.requireNonNull(every, "every");
    }

    /** Lines to {@code sink} with the defaults. */
    public static CheckProgress to(Consumer<String> sink) {
        return new CheckProgress(sink, DEFAULT_ANNOUNCE_BYTES, DEFAULT_EVERY);
    }
}
