package works.cast.relay.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM while clients are submitting: the relay exits 0, every message answered 250 is in the queue, sessions that
 * start a new message or connect during the drain get 421, and no acknowledged message is cut off.
 */
class GracefulShutdownIT {

    @Test
    void termDrainsAndKeepsEveryAcknowledgedMessage(@TempDir Path dir) throws Exception {
        int port = RelayProcess.freePort();
        int deadUpstream = RelayProcess.freePort();
        Path conf = RelayProcess.writeConfig(dir, port, """
                delivery { mode = smarthost, smarthost { host = "127.0.0.1", port = %d, tls = none } }
                queue.retry = [ 1h ]
                """.formatted(deadUpstream));
        Set<Integer> acknowledged = ConcurrentHashMap.newKeySet();
        List<String> closings = new CopyOnWriteArrayList<>();
        AtomicInteger next = new AtomicInteger();
        AtomicBoolean terminated = new AtomicBoolean();
        try (RelayProcess relay = new RelayProcess(dir, conf, List.of("-Xmx256m")).start(port)) {
            CountDownLatch done = new CountDownLatch(8);
            for (int t = 0; t < 8; t++) {
                new Thread(() -> {
                    try {
                        for (int round = 0; round < 1000 && !(terminated.get() && round > 0); round++) {
                            client(port, next, acknowledged, closings);
                        }
                    } finally {
                        done.countDown();
                    }
                }).start();
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (acknowledged.size() < 100 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            relay.signal("TERM");
            terminated.set(true);
            assertEquals(0, relay.waitFor(Duration.ofSeconds(40)), relay.logText());
            assertTrue(done.await(60, TimeUnit.SECONDS));
            assertTrue(relay.logText().contains("smtp draining"), relay.logText());
        }
        Set<Integer> queued = ConcurrentHashMap.newKeySet();
        Pattern seq = Pattern.compile("X-Seq: (\\d+)");
        try (Stream<Path> files = Files.list(dir.resolve("queue"))) {
            for (Path msg : files.filter(p -> p.toString().endsWith(".msg")).toList()) {
                Matcher m = seq.matcher(Files.readString(msg, StandardCharsets.US_ASCII));
                assertTrue(m.find());
                queued.add(Integer.parseInt(m.group(1)));
            }
        }
        Set<Integer> missing = new java.util.TreeSet<>(acknowledged);
        missing.removeAll(queued);
        assertEquals(Set.of(), missing, "acknowledged but not in the queue");
        assertTrue(closings.stream().allMatch(c -> c.startsWith("421")), "only 421 closings: " + closings);
        assertTrue(!closings.isEmpty(), "clients that kept going were told 421");
        System.out.printf("shutdown test: acknowledged=%d queued=%d closings=%d%n", acknowledged.size(), queued.size(),
                closings.size());
    }

    /** One connection: numbered messages until the relay says 421 or goes away. */
    private static void client(int port, AtomicInteger next, Set<Integer> acknowledged, List<String> closings) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(30_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            String greeting = reply(in);
            if (!greeting.startsWith("220")) {
                closings.add(greeting);
                return;
            }
            out.write("EHLO t\r\n".getBytes(StandardCharsets.US_ASCII));
            reply(in);
            for (int i = 0; i < 20; i++) {
                int n = next.getAndIncrement();
                out.write("MAIL FROM:<app@cast.works>\r\n".getBytes(StandardCharsets.US_ASCII));
                String mail = reply(in);
                if (!mail.startsWith("250")) {
                    closings.add(mail);
                    return;
                }
                out.write("RCPT TO:<rcpt@example.net>\r\nDATA\r\n".getBytes(StandardCharsets.US_ASCII));
                reply(in);
                reply(in);
                out.write(("From: app@cast.works\r\nX-Seq: " + n + "\r\n\r\n" + "line\r\n".repeat(200) + ".\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                String data = reply(in);
                if (data.startsWith("250")) {
                    acknowledged.add(n);
                } else {
                    closings.add(data);
                    return;
                }
            }
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
        } catch (java.net.ConnectException refused) {
            // after the drain the listener is closed
        } catch (IOException e) {
            closings.add("io: " + e);
        }
    }

    private static String reply(BufferedReader in) throws IOException {
        return SmtpTestClient.readReply(in);
    }
}
