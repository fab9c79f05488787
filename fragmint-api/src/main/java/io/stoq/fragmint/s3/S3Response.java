package io.stoq.fragmint.s3;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a handler answers: status, headers, and either a small body in memory (XML) or a stream
 * of known length (object content), which the server writes as the connection drains and closes.
 */
final class S3Response {
    final int status;
    final Map<String, String> headers = new LinkedHashMap<>();
    byte[] body = new byte[0];
    InputStream stream;
    long streamLength;

    S3Response(int status) {
        this.status = status;
    }

    static S3Response xml(int status, String xml) {
        S3Response r = new S3Response(status);
        r.headers.put("Content-Type", "application/xml");
        r.body = xml.getBytes(StandardCharsets.UTF_8);
        return r;
    }

    static S3Response empty(int status) {
        return new S3Response(status);
    }

    S3Response header(String name, String value) {
        if (value != null) {
            headers.put(name, value);
        }
        return this;
    }

    S3Response stream(InputStream in, long length) {
        this.stream = in;
        this.streamLength = length;
        return this;
    }
}
