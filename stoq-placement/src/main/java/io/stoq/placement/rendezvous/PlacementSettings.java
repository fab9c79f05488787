package io.stoq.placement.rendezvous;

/**
 * The knobs of {@link RendezvousPlacer}. Every node of a network must use the same values for
 * placements to agree (they come from network configuration, not from each node's own file).
 *
 * @param reserveBytes                      free space a node must still have after taking a
 *                                          target's bytes; a node below it is skipped
 * @param referenceThroughputBytesPerSecond throughput at which a node weighs its full free space;
 *                                          slower nodes weigh proportionally less (never below
 *                                          {@link #MIN_THROUGHPUT_FACTOR}), faster ones no more
 * @param nearCandidates                    the first copy goes to the lowest-RTT node among this
 *                                          many best-ranked candidates; 1 turns RTT preference off
 */
public record PlacementSettings(long reserveBytes, long referenceThroughputBytesPerSecond, int nearCandidates) {
    /**
     * The smallest share of its free-space weight a slow node keeps: one bad throughput sample
     * should slow a node's intake, not stop it.
     */
    public static final double MIN_THROUGHPUT_FACTOR = 0.1;

    /** 1 GiB reserve, 100 MB/s reference, first copy among the best 3. */
    public static final PlacementSettings DEFAULT = new PlacementSettings(1L << 30, 100_000_000L, 3);

    public PlacementSettings {
        if (reserveBytes < 0) {
            throw new IllegalArgumentException("reserveBytes must be >= 0, got " + reserveBytes);
        }
        if (referenceThroughputBytesPerSecond <= 0) {
            throw new IllegalArgumentException("referenceThroughputBytesPerSecond must be > 0, got "
                    + referenceThroughputBytesPerSecond);
        }
        if (nearCandidates < 1 || nearCandidates > 64) {
            throw new IllegalArgumentException("nearCandidates must be 1..64, got " + nearCandidates);
        }
    }
}
