package works.cast.relay.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small SMTP load client: N messages of a given size over C concurrent connections (each connection sends its
 * share back to back), then prints messages per second and the p50/p99 time from MAIL FROM to the 250 after DATA.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar works.cast.relay.bench.LoadClient HOST:PORT MESSAGES CONCURRENCY SIZE_BYTES
 * </pre>
 * Every loop is bounded by MESSAGES; sockets time out after 60 s.
 */
public final class LoadClient {

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: LoadClient HOST:PORT MESSAGES CONCURRENCY SIZE_BYTES [FROM_DOMAIN]");
            System.exit(2);
        }
        String[] hp = args[0].split(":");
        String host = hp[0];
        int port = Integer.parseInt(hp[1]);
        int messages = Integer.parseInt(args[1]);
        int concurrency = Integer.parseInt(args[2]);
        int size = Integer.parseInt(args[3]);
        String domain = args.length > 4 ? args[4] : "cast.works";
        Result r = run(host, port, messages, concurrency, size, domain);
        System.out.println(r);
        if (r.failed > 0) {
            System.exit(1);
        }
    }

    /** The outcome of one run. */
    public record Result(int messages, int concurrency, int size, int failed, double seconds, long p50Micros,
                         long p99Micros) {
        public double perSecond() {
            return (messages - failed) / seconds;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "size=%dB concurrency=%d messages=%d failed=%d elapsed=%.2fs rate=%.1f msg/s "
                    + "p50=%.1fms p99=%.1fms", size, concurrency, messages, failed, seconds, perSecond(),
                    p50Micros / 1000.0, p99Micros / 1000.0);
        }
    }

    public static Result run(String host, int port, int messages, int concurrency, int size, String domain)
            throws InterruptedException {
        byte[] body = message(size, domain);
        long[] latencies = new long[messages];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicLong firstError = new AtomicLong();
        CountDownLatch done = new CountDownLatch(concurrency);
        long start = System.nanoTime();
        for (int t = 0; t < concurrency; t++) {
            new Thread(() -> {
                try {
                    worker(host, port, domain, body, next, messages, latencies, failed);
                } catch (IOException e) {
                    if (firstError.compareAndSet(0, 1)) {
                        System.err.println("connection failed: " + e);
                    }
                } finally {
                    done.countDown();
                }
            }, "load-" + t).start();
        }
        done.await();
        double seconds = (System.nanoTime() - start) / 1e9;
        int sent = Math.min(next.get(), messages);
        long[] ok = Arrays.stream(latencies, 0, sent).filter(l -> l > 0).sorted().toArray();
        int lost = messages - ok.length;
        long p50 = ok.length == 0 ? 0 : ok[(int) Math.min(ok.length - 1, Math.round(ok.length * 0.50))];
        long p99 = ok.length == 0 ? 0 : ok[(int) Math.min(ok.length - 1, Math.round(ok.length * 0.99))];
        return new Result(messages, concurrency, size, Math.max(lost, failed.get()), seconds, p50 / 1000, p99 / 1000);
    }

    private static void worker(String host, int port, String domain, byte[] body, AtomicInteger next, int messages,
                               long[] latencies, AtomicInteger failed) throws IOException {
        try (Socket s = new Socket(host, port)) {
            s.setSoTimeout(60_000);
            s.setTcpNoDelay(true);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            reply(in);
            out.write("EHLO load.test\r\n".getBytes(StandardCharsets.US_ASCII));
            reply(in);
            byte[] envelope = ("MAIL FROM:<load@" + domain + ">\r\nRCPT TO:<sink@example.net>\r\nDATA\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            int i;
            while ((i = next.getAndIncrement()) < messages) {
                long t0 = System.nanoTime();
                out.write(envelope); // pipelined, RFC 2920
                out.flush();
                boolean ok = reply(in).startsWith("250") & reply(in).startsWith("250") & reply(in).startsWith("354");
                out.write(body);
                out.flush();
                ok &= reply(in).startsWith("250");
                if (ok) {
                    latencies[i] = System.nanoTime() - t0;
                } else {
                    failed.incrementAndGet();
                    out.write("RSET\r\n".getBytes(StandardCharsets.US_ASCII));
                    reply(in);
                }
            }
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** Reads one (possibly multi-line) reply and returns its last line. */
    private static String reply(BufferedReader in) throws IOException {
        String line;
        do {
            line = in.readLine();
            if (line == null) {
                throw new IOException("connection closed");
            }
        } while (line.length() > 3 && line.charAt(3) == '-');
        return line;
    }

    /** A message of about {@code size} bytes, text lines of 76 characters, ending with the end-of-data line. */
    static byte[] message(int size, String domain) {
        StringBuilder sb = new StringBuilder(size + 100);
        sb.append("From: Load Test <load@").append(domain).append(">\r\nTo: sink@example.net\r\n")
                .append("Subject: load test message\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n");
        String line = "The quick brown fox jumps over the lazy dog, and the relay signs every message.\r\n";
        while (sb.length() + line.length() < size) {
            sb.append(line);
        }
        sb.append(".\r\n");
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }
}
