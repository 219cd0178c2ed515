package works.cast.relay.core.dkim.canon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class BodyCanonicalizerTest {

    private static String canon(Canonicalization c, String body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BodyCanonicalizer bc = c.newBodyCanonicalizer(out::write);
        byte[] b = body.getBytes(StandardCharsets.ISO_8859_1);
        bc.update(b, 0, b.length);
        bc.finish();
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    private static String bodyHash(Canonicalization c, String body) {
        BodyHasher h = new BodyHasher(c);
        byte[] b = body.getBytes(StandardCharsets.ISO_8859_1);
        h.update(b, 0, b.length);
        return Base64.getEncoder().encodeToString(h.finish());
    }

    @Test
    void emptyBodyHashesAsTheRfcSays() {
        assertEquals("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", bodyHash(Canonicalization.RELAXED, ""));
        assertEquals("frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=", bodyHash(Canonicalization.SIMPLE, ""));
        assertEquals("frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=", bodyHash(Canonicalization.SIMPLE, "\r\n\r\n"));
        assertEquals("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", bodyHash(Canonicalization.RELAXED, "\r\n \r\n\t\r\n"));
    }

    @ParameterizedTest
    @CsvSource(delimiterString = "|", value = {
        "a\\r\\n|a\\r\\n",
        "a|a\\r\\n",
        "a\\r\\n\\r\\n\\r\\n|a\\r\\n",
        "a \\r\\n  \\r\\n\\t\\r\\n|a\\r\\n",
        " C \\r\\nD \\t E\\r\\n\\r\\n\\r\\n| C\\r\\nD E\\r\\n",
        "a\\r\\n\\r\\nb\\r\\n|a\\r\\n\\r\\nb\\r\\n",
        "x  \\t y\\r\\n|x y\\r\\n",
        "a\\rb\\r\\n|a\\rb\\r\\n",
    })
    void relaxedBody(String in, String expected) {
        assertEquals(unescape(expected), canon(Canonicalization.RELAXED, unescape(in)));
    }

    @ParameterizedTest
    @CsvSource(delimiterString = "|", value = {
        "a\\r\\n|a\\r\\n",
        "a|a\\r\\n",
        "a\\r\\n\\r\\n\\r\\n|a\\r\\n",
        "a \\r\\n  \\r\\n|a \\r\\n  \\r\\n",
        "\\r\\n|\\r\\n",
        " C \\r\\nD \\t E\\r\\n\\r\\n\\r\\n| C \\r\\nD \\t E\\r\\n",
    })
    void simpleBody(String in, String expected) {
        assertEquals(unescape(expected), canon(Canonicalization.SIMPLE, unescape(in)));
    }

    /** Any split of the input, at every index, gives the same output (jDKIM's extensive chunker). */
    @ParameterizedTest
    @EnumSource(Canonicalization.class)
    void everySplitPointGivesTheSameResult(Canonicalization c) {
        String[] bodies = {
            " C \r\nD \t E\r\n\r\n\r\n",
            "a  b\t\tc \r\n\r\n \r\n\t\r\nd\r\n\r\n",
            "line\r\r\n\r\n  \r\n",
            "x \r",
            "\r\n\r\n\r\n",
            "..dot\r\n.\r\n  lead\r\n",
        };
        for (String body : bodies) {
            String whole = canon(c, body);
            byte[] b = body.getBytes(StandardCharsets.ISO_8859_1);
            for (int i = 0; i <= b.length; i++) {
                for (int j = i; j <= b.length; j++) {
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    BodyCanonicalizer bc = c.newBodyCanonicalizer(out::write);
                    bc.update(b, 0, i);
                    bc.update(b, i, j - i);
                    bc.update(b, j, b.length - j);
                    bc.finish();
                    assertEquals(whole, out.toString(StandardCharsets.ISO_8859_1),
                            "split at " + i + "," + j + " of " + body.replace("\r", "\\r").replace("\n", "\\n"));
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Canonicalization.class)
    void byteAtATimeMatchesWholeOnRandomBodies(Canonicalization c) {
        Random r = new Random(42);
        String alphabet = "ab \t\r\n.";
        for (int round = 0; round < 300; round++) {
            StringBuilder sb = new StringBuilder();
            int len = r.nextInt(60);
            for (int i = 0; i < len; i++) {
                sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
            }
            String body = sb.toString();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BodyCanonicalizer bc = c.newBodyCanonicalizer(out::write);
            for (byte x : body.getBytes(StandardCharsets.ISO_8859_1)) {
                bc.update(new byte[] {x}, 0, 1);
            }
            bc.finish();
            assertEquals(canon(c, body), out.toString(StandardCharsets.ISO_8859_1));
        }
    }

    static String unescape(String s) {
        return s.replace("\\r", "\r").replace("\\n", "\n").replace("\\t", "\t");
    }
}
