package works.cast.relay.core.dkim.canon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static works.cast.relay.core.dkim.canon.BodyCanonicalizerReferenceTest.referenceRelaxed;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Both run scans of the relaxed body canonicalizer (Vector API and eight-byte) against the RFC reference, on bodies
 * long enough for whole vector steps, with every special sequence placed at every offset of a 64-byte double step.
 */
class RelaxedRunScanTest {

    private static final String[] SPECIALS = {"  ", "\t", " \t", " \r\n", "\t\r\n", "\r\n\r\n", "\r\n\r\n\r\n",
        "\r\n\r\n ", "\r\n \r\n", "\r\n\r\n\t\r\n", "\r", "\n", "\r\r\n", "\n\r", "\r\n ", "\u0001", "\u007f", "\u00e9",
        "\r\n", " ", ". \r\n."};

    private static String run(boolean vector, byte[] b, int chunk, Random r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RelaxedBodyCanonicalizer c = new RelaxedBodyCanonicalizer(out::write, vector);
        int i = 0;
        while (i < b.length) {
            int n = Math.min(b.length - i, chunk > 0 ? chunk : 1 + r.nextInt(200));
            c.update(b, i, n);
            i += n;
        }
        c.finish();
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    private static void check(boolean vector, String body, Random r) {
        byte[] b = body.getBytes(StandardCharsets.ISO_8859_1);
        String want = referenceRelaxed(body);
        String shown = body.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t");
        for (int chunk : new int[] {b.length + 1, 65536, 97, 33, 0}) {
            assertEquals(want, run(vector, b, chunk, r), "chunk " + chunk + ": " + shown);
        }
    }

    @ParameterizedTest(name = "vector scan {0}")
    @ValueSource(booleans = {true, false})
    void everySpecialSequenceAtEveryOffsetOfTheStep(boolean vector) {
        Random r = new Random(1);
        String content = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopq\r\n";
        for (String special : SPECIALS) {
            for (int offset = 0; offset < 70; offset++) {
                String before = content.substring(0, offset + 1);
                check(vector, before + special + content + content, r);
                check(vector, content + before + special + "xyz" + special + content, r);
                check(vector, before + special + "\r\n", r); // SMTP bodies end with CRLF
            }
        }
    }

    @ParameterizedTest(name = "vector scan {0}")
    @ValueSource(booleans = {true, false})
    void matchesTheReferenceOnLongRandomBodies(boolean vector) {
        Random r = new Random(20261128);
        String[] pieces = {"word ", "xyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxyzxyz", "\r\n", "\r\n\r\n", " ", "  ", "\t",
            " \r\n", "\r", "\n", "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\r\n",
            "\u00e9\u00e8", "."};
        for (int round = 0; round < 1500; round++) {
            StringBuilder sb = new StringBuilder();
            int n = r.nextInt(400);
            for (int i = 0; i < n; i++) {
                // Mostly content and line ends, so vector steps run clean between the rarer specials.
                sb.append(pieces[r.nextInt(3) > 0 ? r.nextInt(4) : r.nextInt(pieces.length)]);
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != '\n') {
                sb.append("z\r\n");
            }
            check(vector, sb.toString(), r);
        }
    }
}
