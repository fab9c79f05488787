package io.stoq.shard.analyze;

import static org.assertj.core.api.Assertions.assertThat;

import io.stoq.shard.corpus.CorpusGenerator;
import io.stoq.shard.corpus.CorpusKind;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class BoundaryHintsTest {
    @Test
    void countsEveryLineStartAcrossBufferRefills() throws IOException {
        byte[] text = CorpusGenerator.bytes(CorpusKind.TEXT, 3_000_000, 4);
        long newlines = 0;
        for (int i = 0; i < text.length - 1; i++) {
            if (text[i] == '\n') {
                newlines++;
            }
        }
        BoundaryHints hints = BoundaryHints.scan(new ByteArrayInputStream(text), BoundaryRule.LINE_END, 3);
        assertThat(hints.count()).isEqualTo(newlines);
        int firstNewline = 0;
        while (text[firstNewline] != '\n') {
            firstNewline++;
        }
        assertThat(hints.first()).hasSize(3).first().isEqualTo((long) firstNewline + 1);
        assertThat(BoundaryHints.scan(new ByteArrayInputStream(text), BoundaryRule.NONE, 3).count()).isZero();
    }
}
