package works.cast.relay.core.dkim.canon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import works.cast.relay.core.mail.HeaderBlock;
import works.cast.relay.core.mail.HeaderField;
import works.cast.relay.core.mail.HeaderParser;

/** The canonicalization example of RFC 6376 section 3.4.6, bit for bit. */
class Rfc6376ExampleTest {

    private static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":\\s*\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(json);
        if (!m.find()) {
            throw new IllegalStateException("no " + name);
        }
        return m.group(1).replace("\\r", "\r").replace("\\n", "\n").replace("\\t", "\t");
    }

    private static String vector() throws IOException {
        try (InputStream in = Rfc6376ExampleTest.class.getResourceAsStream("/vectors/rfc6376/rfc6376-3.4.6.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String headers(Canonicalization c, String header) {
        HeaderBlock block = HeaderParser.parse(header.getBytes(StandardCharsets.US_ASCII));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (HeaderField f : block.fields()) {
            HeaderCanonicalizer.canonicalize(c, f, out);
        }
        return out.toString(StandardCharsets.US_ASCII);
    }

    private static String body(Canonicalization c, String body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BodyCanonicalizer bc = c.newBodyCanonicalizer(out::write);
        byte[] b = body.getBytes(StandardCharsets.US_ASCII);
        bc.update(b, 0, b.length);
        bc.finish();
        return out.toString(StandardCharsets.US_ASCII);
    }

    @Test
    void relaxedOutputsMatch() throws IOException {
        String v = vector();
        assertEquals(field(v, "relaxed_header"), headers(Canonicalization.RELAXED, field(v, "header")));
        assertEquals(field(v, "relaxed_body"), body(Canonicalization.RELAXED, field(v, "body")));
    }

    @Test
    void simpleOutputsMatch() throws IOException {
        String v = vector();
        assertEquals(field(v, "simple_header"), headers(Canonicalization.SIMPLE, field(v, "header")));
        assertEquals(field(v, "simple_body"), body(Canonicalization.SIMPLE, field(v, "body")));
    }
}
