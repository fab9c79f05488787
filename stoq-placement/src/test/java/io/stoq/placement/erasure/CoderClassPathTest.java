package io.stoq.placement.erasure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stoq.placement.PlacementException;
import io.stoq.shard.analyze.RedundancyPolicy;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Guards the dependency decision in docs/dependencies.md: the three Ozone/Hadoop jars come without
 * their transitive trees, and the coder works without them. If someone drops an exclusion, the
 * guava, protobuf, Ratis or Hadoop's shaded libraries appear on this
 * module's class path and this fails.
 */
class CoderClassPathTest {
    @Test
    void theCoderRunsWithoutAnyOfItsDeclaredTransitiveDependencies() throws PlacementException {
        for (String absent : new String[] {
            "com.google.common.base.Preconditions", // guava
            "com.google.protobuf.Message", // protobuf (HddsProtos)
            "org.apache.ratis.protocol.RaftPeerId", // Ratis 3.1.1
            "org.apache.hadoop.thirdparty.com.google.common.base.Preconditions", // hadoop-thirdparty
            "org.apache.commons.lang3.StringUtils", // commons-lang3
        }) {
            assertThatThrownBy(() -> Class.forName(absent)).as(absent).isInstanceOf(ClassNotFoundException.class);
        }
        byte[] shard = new byte[100_000];
        new Random(1).nextBytes(shard);
        ErasureCodec codec = ErasureCodec.of(new RedundancyPolicy.Erasure(4, 2));
        EncodedShard encoded = codec.encode(shard);
        assertThat(codec.decode(encoded.layout(), encoded.pieces().subList(2, 6))).isEqualTo(shard);
    }
}
