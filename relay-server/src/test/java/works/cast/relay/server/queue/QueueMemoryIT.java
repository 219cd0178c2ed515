package works.cast.relay.server.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.server.RelayProcess;
import works.cast.relay.server.SmtpTestClient;

/**
 * A large queue does not need a large heap: 100,000 messages queued with the upstream down, the relay started with
 * {@code -Xmx128m} answers {@code /readyz} 200 and takes new mail within 30 seconds, and keeps working on the queue.
 */
class QueueMemoryIT {

    static final int DEFERRED = 99_000;
    static final int DUE = 1_000;

    @Test
    void aHundredThousandQueuedMessagesFitA128MiBHeap(@TempDir Path dir) throws Exception {
        Instant now = Instant.now();
        long written = System.nanoTime();
        Path queue = dir.resolve("queue");
        // Deferred by an upstream that was down, next attempt in an hour; a thousand more are due now.
        QueueFixtures.writeV2(queue, DEFERRED, 2000, "rcpt@example.net", now.minusSeconds(3600), now.plusSeconds(3600));
        QueueFixtures.writeV2(queue, DUE, 2000, "rcpt@example.net", now.minusSeconds(3600), now.minusSeconds(1));
        int port = RelayProcess.freePort();
        int http = RelayProcess.freePort();
        int upstream = RelayProcess.freePort(); // nothing listens: the upstream is down
        Path conf = RelayProcess.writeConfig(dir, port, """
                delivery { mode = smarthost, smarthost { host = "127.0.0.1", port = %d, tls = none, connections = 4 },
                           timeouts { connect = 2s, command = 10s, data = 10s } }
                queue { retry = [ 1h ], max-age = 5d, active-limit = 500 }
                http { enabled = true, address = "127.0.0.1", port = %d }
                """.formatted(upstream, http));
        long start = System.nanoTime();
        try (RelayProcess relay = new RelayProcess(dir, conf, List.of("-Xmx128m")).start(port)) {
            System.out.printf("queue memory test: fixture written in %d ms, relay listening after %d ms%n",
                    TimeUnit.NANOSECONDS.toMillis(start - written), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            long deadline = start + TimeUnit.SECONDS.toNanos(30);
            int status = 0;
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            while (System.nanoTime() < deadline) {
                try {
                    status = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + "/readyz"))
                            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
                } catch (java.net.ConnectException e) {
                    status = 0; // the management port opens a moment after SMTP: not ready yet
                }
                if (status == 200) {
                    break;
                }
                Thread.sleep(100);
            }
            assertEquals(200, status, "readyz within 30 s\n" + tail(relay.logText()));
            String reply;
            try (SmtpTestClient c = new SmtpTestClient(port)) {
                c.hello();
                reply = c.send("app@cast.works", "new@example.net", "From: app@cast.works\r\nTo: new@example.net\r\n"
                        + "Subject: after restart\r\n\r\nnew mail\r\n");
            }
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
            System.out.printf("queue memory test: messages=%d ready and 250 after %d s%n", DEFERRED + DUE, seconds);
            assertTrue(reply.startsWith("250"), reply + "\n" + tail(relay.logText()));
            assertTrue(System.nanoTime() < deadline, "ready and took new mail after " + seconds + " s");
            String log = relay.logText();
            assertTrue(log.contains("messages=" + (DEFERRED + DUE) + " removed=0 corrupt=0"), tail(log));
            // The due ones are tried (and deferred again) without the heap running out.
            long tried = 0;
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < until && (tried = count(relay.logText(), "result=deferred")) < DUE) {
                Thread.sleep(200);
            }
            assertTrue(tried >= DUE, "attempts recorded: " + tried + "\n" + tail(relay.logText()));
            assertTrue(relay.isAlive());
            assertTrue(!relay.logText().contains("OutOfMemoryError"), tail(relay.logText()));

            // queue list pages through them, itself in a 128 MiB heap, reading only the page from disk.
            String first = cli(dir, "queue", "list", "--limit", "100", "--queue-dir", queue.toString());
            java.util.regex.Matcher more = java.util.regex.Pattern.compile("more: queue list --limit 100 --after (\\S+)")
                    .matcher(first);
            assertTrue(more.find(), first);
            assertTrue(first.contains("100 of " + (DEFERRED + DUE + 1) + " messages"), first);
            String second = cli(dir, "queue", "list", "--limit", "100", "--after", more.group(1), "--queue-dir",
                    queue.toString());
            assertTrue(second.contains("100 of " + (DEFERRED + DUE + 1) + " messages"), second);
            assertTrue(!second.contains(more.group(1) + "  age="), "the next page starts after the last id");
        }
    }

    /** Runs the packaged command line with {@code -Xmx128m}; returns its output (bounded to 60 seconds). */
    private static String cli(Path dir, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m", "-jar",
                RelayProcess.jar().toAbsolutePath().toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "queue list finished");
        String text = new String(out, java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), text);
        return text;
    }

    private static long count(String text, String word) {
        long n = 0;
        for (int i = text.indexOf(word); i >= 0; i = text.indexOf(word, i + 1)) {
            n++;
        }
        return n;
    }

    private static String tail(String log) {
        return log.length() > 6000 ? log.substring(log.length() - 6000) : log;
    }
}
