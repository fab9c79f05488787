package io.stoq.crypto;

import java.security.MessageDigest;

/** Comparisons of secret-dependent values whose running time does not depend on where they differ. */
public final class ConstantTime {
    private ConstantTime() {}

    /**
     * True when both arrays have the same length and content. Time depends only on the lengths
     * (MessageDigest.isEqual is constant-time since JDK 6u17), so tags and MACs can be compared
     * without leaking the position of the first difference.
     */
    public static boolean equals(byte[] a, byte[] b) {
        if (a == null || b == null) {
            return a == b;
        }
        return MessageDigest.isEqual(a, b);
    }
}
