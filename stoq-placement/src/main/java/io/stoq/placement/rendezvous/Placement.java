package io.stoq.placement.rendezvous;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Where one shard goes: distinct nodes in order. For {@code replicas:N} the first target is the
 * writer's first copy (the low-RTT pick); for {@code erasure:K+M} target {@code i} holds piece
 * {@code i}. Either the policy is met ({@link Full}) or it is not ({@link Partial}), and the caller
 * must say which it handles: too few live nodes is an answer, not an exception.
 */
public sealed interface Placement {
    /** The chosen nodes, distinct, in order. */
    List<NodeFacts> targets();

    /** The node ids of {@link #targets()}, in order. */
    default List<String> nodeIds() {
        return targets().stream().map(NodeFacts::nodeId).collect(Collectors.toUnmodifiableList());
    }

    /** How many distinct zones the targets span. */
    default int distinctZones() {
        return (int) targets().stream().map(NodeFacts::zone).distinct().count();
    }

    /** Every target the policy wants was found. */
    record Full(List<NodeFacts> targets) implements Placement {
        public Full {
            targets = List.copyOf(targets);
        }
    }

    /**
     * Fewer eligible nodes than the policy wants: {@code targets} is every one that could be
     * placed (possibly none), {@code wanted} what the policy asked for, {@code skippedForSpace}
     * how many live nodes were left out for lack of free space.
     */
    record Partial(List<NodeFacts> targets, int wanted, int skippedForSpace) implements Placement {
        public Partial {
            targets = List.copyOf(targets);
            if (targets.size() >= wanted) {
                throw new IllegalArgumentException("a partial placement has fewer than " + wanted + " targets");
            }
        }

        /** How many targets are missing. */
        public int missing() {
            return wanted - targets.size();
        }
    }
}
