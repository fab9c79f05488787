package io.stoq.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.ledger.state.StateHash;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import org.junit.jupiter.api.Test;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;

class StateHashTest {
    @Property(tries = 30)
    void rootDependsOnTheSetOfPairsNotTheOrder(@ForAll @Size(max = 40) List<@Size(min = 1, max = 8) List<Byte>> keys, @ForAll long seed) {
        List<byte[]> pairs = new ArrayList<>();
        for (List<Byte> k : keys) {
            byte[] b = new byte[k.size()];
            for (int i = 0; i < b.length; i++) {
                b[i] = k.get(i);
            }
            pairs.add(b);
        }
        StateHash forward = new StateHash();
        pairs.forEach(p -> forward.add(p, p));
        Collections.shuffle(pairs, new Random(seed));
        StateHash shuffled = new StateHash();
        pairs.forEach(p -> shuffled.add(p, p));
        assertThat(shuffled.root()).isEqualTo(forward.root());
        pairs.forEach(p -> shuffled.remove(p, p));
        assertThat(shuffled.root()).isEqualTo(new StateHash().root());
    }

    @Test
    void parallelUpdatesEqualSequentialOnesAndValuesMatter() {
        Random random = new Random(7);
        List<StateHash.Change> changes = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            byte[] key = new byte[1 + random.nextInt(40)];
            random.nextBytes(key);
            byte[] oldValue = random.nextBoolean() ? null : new byte[random.nextInt(30)];
            byte[] newValue = random.nextInt(4) == 0 ? null : new byte[1 + random.nextInt(30)];
            if (newValue != null) {
                random.nextBytes(newValue);
            }
            changes.add(new StateHash.Change(key, oldValue, newValue));
        }
        StateHash sequential = new StateHash();
        sequential.updateAll(changes, false);
        StateHash parallel = new StateHash();
        parallel.updateAll(changes, true);
        assertThat(parallel.toBytes()).isEqualTo(sequential.toBytes());
        assertThat(StateHash.fromBytes(parallel.toBytes()).root()).isEqualTo(sequential.root());
        StateHash a = new StateHash();
        a.add(new byte[] {1}, new byte[] {2});
        StateHash b = new StateHash();
        b.add(new byte[] {1}, new byte[] {3});
        assertThat(a.root()).isNotEqualTo(b.root());
    }
}
