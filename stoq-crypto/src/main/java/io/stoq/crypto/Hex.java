package io.stoq.crypto;

import java.util.HexFormat;

/** Lower-case hex encoding used in every human- and JSON-facing rendering of hashes and ids. */
public final class Hex {
    private static final HexFormat HEX = HexFormat.of();

    private Hex() {}

    public static String encode(byte[] bytes) {
        return HEX.formatHex(bytes);
    }

    /** Decodes hex; throws {@link IllegalArgumentException} on odd length or a non-hex digit. */
    public static byte[] decode(CharSequence hex) {
        return HEX.parseHex(hex);
    }
}
