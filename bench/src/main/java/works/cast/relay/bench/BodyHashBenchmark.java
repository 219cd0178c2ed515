package works.cast.relay.bench;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import works.cast.relay.core.dkim.canon.BodyHasher;
import works.cast.relay.core.dkim.canon.Canonicalization;

/**
 * Body canonicalization + SHA-256 over a body of exactly 1,000,000 bytes, fed in 64 KiB chunks as the relay reads it,
 * beside plain SHA-256 of the same bytes. Scores are bodies per second, which is MB/s.
 *
 * <p>Three bodies: {@code attachment} (a base64 part, what most large mail is), {@code text} (prose in paragraphs)
 * and {@code whitespace} (text with a double space or tab in one separator of 20 and trailing whitespace on one
 * line of 40, far more than real mail has: the worst case for relaxed canonicalization). The fork runs with the
 * Vector API module, as {@code bin/dkim-relay run} and the systemd unit do.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class BodyHashBenchmark {

    static final int SIZE = 1_000_000;
    static final int CHUNK = 64 * 1024;

    @Param({"attachment", "text", "whitespace"})
    public String bodyKind;

    byte[] body;

    @Setup
    public void setUp() {
        body = exactly(SIZE, switch (bodyKind) {
            case "attachment" -> attachmentBody(SIZE, 3);
            case "text" -> proseBody(SIZE, 2);
            default -> textBody(SIZE, 1);
        });
    }

    /** The first {@code size - 2} bytes and a CRLF: 1,000,000 bytes, so that a score in ops/s reads as MB/s. */
    static byte[] exactly(int size, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(b, size);
        out[size - 2] = '\r';
        out[size - 1] = '\n';
        return out;
    }

    /** A base64 part of random bytes: 76-character lines. */
    static byte[] attachmentBody(int size, long seed) {
        byte[] raw = new byte[size / 4 * 3];
        new Random(seed).nextBytes(raw);
        return (Base64.getMimeEncoder().encodeToString(raw) + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** Prose: words of 1 to 10 letters, single spaces, lines of 60 to 75 characters, an empty line every 8 or so. */
    static byte[] proseBody(int size, long seed) {
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder(size + 200);
        int line = 0;
        while (sb.length() < size) {
            int len = 1 + r.nextInt(10);
            for (int i = 0; i < len; i++) {
                sb.append((char) ('a' + r.nextInt(26)));
            }
            line += len;
            if (line > 60 + r.nextInt(15)) {
                sb.append("\r\n");
                line = 0;
                if (r.nextInt(8) == 0) {
                    sb.append("\r\n");
                }
            } else {
                sb.append(' ');
                line++;
            }
        }
        sb.append("\r\n");
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** Whitespace-heavy text: double spaces, tabs and trailing whitespace, CRLF lines. */
    static byte[] textBody(int size, long seed) {
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder(size + 200);
        int line = 0;
        while (sb.length() < size) {
            int len = 3 + r.nextInt(8);
            for (int i = 0; i < len; i++) {
                sb.append((char) ('a' + r.nextInt(26)));
            }
            line += len;
            int x = r.nextInt(40);
            if (line > 60 + r.nextInt(15)) {
                if (x == 0) {
                    sb.append(' ');
                }
                sb.append("\r\n");
                line = 0;
            } else {
                sb.append(x == 1 ? "  " : x == 2 ? "\t" : " ");
                line++;
            }
        }
        sb.append("\r\n");
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    @Benchmark
    public byte[] plainSha256() throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (int i = 0; i < body.length; i += CHUNK) {
            md.update(body, i, Math.min(CHUNK, body.length - i));
        }
        return md.digest();
    }

    @Benchmark
    public byte[] relaxedBodyHash() {
        return hash(Canonicalization.RELAXED);
    }

    @Benchmark
    public byte[] simpleBodyHash() {
        return hash(Canonicalization.SIMPLE);
    }

    private byte[] hash(Canonicalization c) {
        BodyHasher h = new BodyHasher(c);
        for (int i = 0; i < body.length; i += CHUNK) {
            h.update(body, i, Math.min(CHUNK, body.length - i));
        }
        return h.finish();
    }
}
