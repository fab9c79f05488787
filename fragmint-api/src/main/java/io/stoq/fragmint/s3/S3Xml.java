package io.stoq.fragmint.s3;

import java.io.ByteArrayInputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * S3's XML: a small writer for responses (escaped text, the S3 namespace on the root) and a
 * hardened reader for the few request bodies S3 has (multi-object delete, complete multipart):
 * no DTDs, no external entities, size-bounded by the caller.
 */
final class S3Xml {
    static final String NS = "http://s3.amazonaws.com/doc/2006-03-01/";
    private final StringBuilder sb = new StringBuilder(512).append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    private final List<String> open = new ArrayList<>();

    static S3Xml root(String name) {
        S3Xml x = new S3Xml();
        x.sb.append('<').append(name).append(" xmlns=\"").append(NS).append("\">");
        x.open.add(name);
        return x;
    }

    S3Xml start(String name) {
        sb.append('<').append(name).append('>');
        open.add(name);
        return this;
    }

    S3Xml end() {
        sb.append("</").append(open.remove(open.size() - 1)).append('>');
        return this;
    }

    S3Xml el(String name, Object value) {
        if (value == null) {
            return this;
        }
        sb.append('<').append(name).append('>').append(escape(String.valueOf(value))).append("</").append(name).append('>');
        return this;
    }

    String done() {
        while (!open.isEmpty()) {
            end();
        }
        return sb.toString();
    }

    /** ISO-8601 with milliseconds, as S3 writes LastModified. */
    static String time(Instant t) {
        return ISO_MILLIS.format(t);
    }

    private static final java.time.format.DateTimeFormatter ISO_MILLIS =
            java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(java.time.ZoneOffset.UTC);

    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&apos;");
                default -> {
                    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
                        out.append("&#x").append(Integer.toHexString(c)).append(';'); // XML 1.0 cannot carry these; encoding-type=url lists them
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }

    /** The error body S3 clients parse. */
    static String error(S3Error e, String message, String resource, String requestId) {
        S3Xml x = new S3Xml();
        x.sb.append("<Error>");
        x.open.add("Error");
        return x.el("Code", e.code()).el("Message", message).el("Resource", resource).el("RequestId", requestId).done();
    }

    /** Parses a small request body; {@link S3Error#MALFORMED_XML} when it is not well-formed. */
    static Element parse(byte[] body) throws S3Exception {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature("http://xml.org/sax/features/external-general-entities", false);
            f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            f.setXIncludeAware(false);
            f.setExpandEntityReferences(false);
            f.setNamespaceAware(true);
            DocumentBuilder b = f.newDocumentBuilder();
            b.setErrorHandler(null);
            Document d = b.parse(new ByteArrayInputStream(body));
            return d.getDocumentElement();
        } catch (Exception e) {
            throw new S3Exception(S3Error.MALFORMED_XML, "The XML you provided was not well-formed");
        }
    }

    /** Child elements of {@code parent} with local name {@code name}. */
    static List<Element> children(Element parent, String name) {
        List<Element> out = new ArrayList<>();
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            Node n = nodes.item(i);
            if (n instanceof Element e && name.equals(e.getLocalName())) {
                out.add(e);
            }
        }
        return out;
    }

    /** The text of the first child {@code name}, or null. */
    static String text(Element parent, String name) {
        List<Element> c = children(parent, name);
        return c.isEmpty() ? null : c.get(0).getTextContent();
    }
}
