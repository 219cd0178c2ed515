package works.cast.relay.bench;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import works.cast.relay.core.dkim.canon.BodyHasher;
import works.cast.relay.core.dkim.canon.Canonicalization;

/**
 * Body canonicalization + SHA-256 over a 1 MB text body, fed in 64 KiB chunks as the relay reads it, beside plain
 * SHA-256 of the same bytes. Scores are operations (1 MB bodies) per second: multiply by the size for MB/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class BodyHashBenchmark {

    static final int SIZE = 1_000_000;
    static final int CHUNK = 64 * 1024;

    byte[] body;

    @Setup
    public void setUp() {
        body = textBody(SIZE, 1);
    }

    /** Mail-like text: words, single spaces, some double spaces and tabs, some trailing whitespace, CRLF lines. */
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
