package io.stoq.shard.analyze;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The natural boundaries of a whole input under one {@link BoundaryRule}: how many there are and
 * where the first few lie. For {@code stoq shard inspect}; the chunker itself only looks near its
 * cut points and never needs the full list.
 */
public record BoundaryHints(BoundaryRule rule, long count, List<Long> first) {
    public BoundaryHints {
        first = List.copyOf(first);
    }

    /** Scans {@code in} (not closed) in one streaming pass, keeping at most {@code keep} positions. */
    public static BoundaryHints scan(InputStream in, BoundaryRule rule, int keep) throws IOException {
        if (rule == BoundaryRule.NONE) {
            return new BoundaryHints(rule, 0, List.of());
        }
        int lookahead = rule.lookahead();
        byte[] buf = new byte[(1 << 20) + lookahead];
        long bufOffset = 0; // input offset of buf[0]
        int end = 0;
        boolean eof = false;
        long count = 0;
        List<Long> first = new ArrayList<>();
        int pos = 1; // position 0 is the input's start, never a boundary between chunks
        while (true) {
            while (!eof && end < buf.length) {
                int n = in.read(buf, end, buf.length - end);
                if (n < 0) {
                    eof = true;
                } else {
                    end += n;
                }
            }
            int limit = eof ? end : end - lookahead; // decide a position only with its lookahead in hand
            for (; pos < limit; pos++) {
                if (rule.startsAt(buf, pos, end, bufOffset + pos)) {
                    count++;
                    if (first.size() < keep) {
                        first.add(bufOffset + pos);
                    }
                }
            }
            if (eof) {
                return new BoundaryHints(rule, count, first);
            }
            int keepFrom = pos - 1; // LINE_END reads the byte before pos
            System.arraycopy(buf, keepFrom, buf, 0, end - keepFrom);
            bufOffset += keepFrom;
            end -= keepFrom;
            pos = 1;
        }
    }
}
