package works.cast.relay.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that pipelines 64 MiB of EHLO and never reads a reply, against the packaged relay with a 128 MiB heap:
 * the relay's resident memory grows by less than 64 MiB, the connection is closed, and another client's message is
 * accepted meanwhile.
 */
class PipelinedJunkIT {

    static final long ATTACK = 64L * 1024 * 1024;
    static final long RSS_GROWTH_LIMIT_KIB = 64 * 1024;

    /** Closed by the junk-command limit (default 100). */
    @Test
    void junkCommandLimitClosesAClientThatNeverReads(@TempDir Path dir) throws Exception {
        attack(dir, "");
    }

    /**
     * With the junk limit out of the way, the relay stops reading the client once its replies fill the write buffer;
     * the command timeout then closes it, although the final reply cannot leave.
     */
    @Test
    void clientThatNeverReadsIsNotReadAndTimesOut(@TempDir Path dir) throws Exception {
        attack(dir, "limits { junk-commands = 1000000, command-timeout = 2s }");
    }

    private static void attack(Path dir, String extra) throws Exception {
        int port = RelayProcess.freePort();
        Path conf = RelayProcess.writeConfig(dir, port, """
                delivery { mode = directory, directory = "%s" }
                %s
                """.formatted(dir.resolve("outbox"), extra));
        try (RelayProcess relay = new RelayProcess(dir, conf, List.of("-Xmx128m", "-XX:+ExitOnOutOfMemoryError"))
                .start(port)) {
            assertTrue(send(port).startsWith("250 "), relay.logText());
            long before = rssKib(relay.pid());
            AtomicLong written = new AtomicLong();
            CompletableFuture<Throwable> attacker = CompletableFuture.supplyAsync(() -> flood(port, written));
            long peak = before;
            String reply = send(port);
            while (!attacker.isDone()) {
                peak = Math.max(peak, rssKib(relay.pid()));
                try {
                    attacker.get(100, TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.TimeoutException notYet) {
                    // keep sampling
                }
            }
            peak = Math.max(peak, rssKib(relay.pid()));
            Throwable ended = attacker.get(1, TimeUnit.SECONDS);
            assertTrue(reply.startsWith("250 "), "other client: " + reply + "\n" + relay.logText());
            assertTrue(ended instanceof IOException, "the relay closed the flooding connection: " + ended
                    + " after " + written.get() + " bytes");
            assertTrue(written.get() < ATTACK, "written " + written.get());
            assertTrue(peak - before < RSS_GROWTH_LIMIT_KIB, "RSS grew from " + before + " to " + peak + " KiB");
            assertTrue(relay.isAlive(), relay.logText());
            assertTrue(send(port).startsWith("250 "), relay.logText());
            System.out.printf("flood: %d bytes written before close, RSS %d -> %d KiB%n", written.get(), before,
                    peak);
        }
    }

    /** Writes EHLO lines until 64 MiB are out or the relay closes; bounded by the relay's timeouts and 120 s. */
    private static Throwable flood(int port, AtomicLong written) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(120_000);
            byte[] block = "EHLO x\r\n".repeat(8192).getBytes(StandardCharsets.US_ASCII);
            OutputStream out = s.getOutputStream();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (written.get() < ATTACK && System.nanoTime() < deadline) {
                out.write(block);
                written.addAndGet(block.length);
            }
            return new AssertionError("relay read all " + written.get() + " bytes and kept the connection");
        } catch (IOException e) {
            return e;
        }
    }

    private static long rssKib(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no VmRSS for " + pid);
    }

    /** One message through the relay; returns the reply to its end of data. */
    private static String send(int port) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(30_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            expect(in, "220");
            out.write("EHLO client.test\r\n".getBytes(StandardCharsets.US_ASCII));
            String line;
            while ((line = in.readLine()) != null && line.startsWith("250-")) {
                // capabilities
            }
            out.write(("MAIL FROM:<app@cast.works>\r\nRCPT TO:<rcpt@example.net>\r\nDATA\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            expect(in, "250");
            expect(in, "250");
            expect(in, "354");
            out.write("From: app@cast.works\r\nTo: rcpt@example.net\r\nSubject: meanwhile\r\n\r\nhello\r\n.\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            String reply = in.readLine();
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            return reply == null ? "(closed)" : reply;
        }
    }

    private static void expect(BufferedReader in, String code) throws IOException {
        String line = in.readLine();
        if (line == null || !line.startsWith(code)) {
            throw new AssertionError("expected " + code + ", got " + line);
        }
    }
}
