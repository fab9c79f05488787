package io.stoq.fragmint.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Media type sanitising, the inline-safe list and RFC 6266/5987 file names. */
class DownloadHeadersTest {

    @Test
    void mediaTypesAreRebuiltFromTheirSyntaxOrRefused() {
        assertThat(DownloadHeaders.normalize("Text/HTML; Charset=\"utf-8\"")).isEqualTo("text/html; charset=\"utf-8\"");
        assertThat(DownloadHeaders.normalize(" text/plain;charset=utf-8 ")).isEqualTo("text/plain; charset=utf-8");
        assertThat(DownloadHeaders.normalize("image/svg+xml")).isEqualTo("image/svg+xml");
        for (String bad : new String[] {"", "html", "a/b/c", "text/plain; x", "text/plain, text/html",
                "text/plain\r\nSet-Cookie: x=y", "text/plain; a=\"b", "text/plain; a=b\u0000", "x".repeat(250) + "/yyyyyy"}) {
            assertThat(DownloadHeaders.normalize(bad)).as(bad).isNull();
        }
        assertThat(DownloadHeaders.contentType("text/html\nX-Evil: 1")).isEqualTo("application/octet-stream");
        assertThat(DownloadHeaders.contentType(null)).isEqualTo("application/octet-stream");
    }

    @Test
    void onlyTheSafeListIsInline() {
        assertThat(DownloadHeaders.inline("image/png")).isTrue();
        assertThat(DownloadHeaders.inline("text/plain; charset=utf-8")).isTrue();
        assertThat(DownloadHeaders.inline("image/svg+xml")).isFalse();
        assertThat(DownloadHeaders.inline("text/html")).isFalse();
        assertThat(DownloadHeaders.inline("application/pdf")).isFalse();
        assertThat(DownloadHeaders.inline("application/octet-stream")).isFalse();
    }

    @Test
    void fileNamesAreQuotedSafelyAndEncodedPerRfc5987() {
        assertThat(DownloadHeaders.disposition(false, "report.pdf", "a1")).isEqualTo("attachment; filename=\"report.pdf\"");
        assertThat(DownloadHeaders.disposition(true, null, "a1")).isEqualTo("inline; filename=\"a1\"");
        assertThat(DownloadHeaders.disposition(false, "a\"b\\c%/d.txt", "a1")).isEqualTo(
                "attachment; filename=\"a_b_c__d.txt\"; filename*=UTF-8''a%22b%5Cc%25%2Fd.txt");
        assertThat(DownloadHeaders.disposition(false, "\u00fcber \uD83D\uDE00.png", "a1")).isEqualTo(
                "attachment; filename=\"_ber _.png\"; filename*=UTF-8''%C3%BCber%20%F0%9F%98%80.png");
    }
}
