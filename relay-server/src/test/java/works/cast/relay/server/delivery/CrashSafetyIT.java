package works.cast.relay.server.delivery;

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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.server.RelayProcess;

/**
 * Nothing answered 250 is lost across a crash: 1,000 messages at concurrency 20, the relay killed with SIGKILL in the
 * middle and restarted; every message whose 250 a client saw reaches the upstream (at least once). Duplicates are
 * counted and must stay below the number of messages in flight at the kill.
 */
class CrashSafetyIT {

    static final int MESSAGES = 1000;
    static final int CONCURRENCY = 20;
    static final Pattern SEQ = Pattern.compile("X-Seq: (\\d+)");

    @Test
    void everyAcknowledgedMessageArrivesAfterAKill(@TempDir Path dir) throws Exception {
        try (ScriptedSmtpServer upstream = new ScriptedSmtpServer()) {
            int port = RelayProcess.freePort();
            Path conf = RelayProcess.writeConfig(dir, port, """
                    delivery { mode = smarthost, smarthost { host = "127.0.0.1", port = %d, tls = none, connections = 4 },
                               timeouts { connect = 2s, command = 10s, data = 10s } }
                    queue { retry = [ 1s ], max-age = 1h }
                    limits { connections = 200, connections-per-ip = 200 }
                    """.formatted(upstream.port()));
            Set<Integer> acknowledged = ConcurrentHashMap.newKeySet();
            AtomicInteger next = new AtomicInteger();
            int killAfter = MESSAGES / 3;
            try (RelayProcess relay = new RelayProcess(dir, conf, List.of("-Xmx256m")).start(port)) {
                CountDownLatch done = clients(port, next, acknowledged);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                while (acknowledged.size() < killAfter && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                relay.signal("KILL");
                relay.waitFor(Duration.ofSeconds(30));
                assertTrue(done.await(60, TimeUnit.SECONDS), "clients stop once the relay is gone");
            }
            int atKill = acknowledged.size();
            assertTrue(atKill >= killAfter, "acknowledged before the kill: " + atKill);
            try (RelayProcess relay = new RelayProcess(dir, conf, List.of("-Xmx256m")).start(port)) {
                // The rest of the messages go through the restarted relay.
                CountDownLatch done = clients(port, next, acknowledged);
                assertTrue(done.await(180, TimeUnit.SECONDS));
                Map<Integer, Integer> received = new HashMap<>();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                while (!received.keySet().containsAll(acknowledged) && System.nanoTime() < deadline) {
                    ScriptedSmtpServer.Message m = upstream.messages.poll(1, TimeUnit.SECONDS);
                    if (m != null) {
                        Matcher x = SEQ.matcher(m.text());
                        assertTrue(x.find(), "numbered message");
                        received.merge(Integer.parseInt(x.group(1)), 1, Integer::sum);
                    }
                }
                Set<Integer> missing = new java.util.TreeSet<>(acknowledged);
                missing.removeAll(received.keySet());
                long duplicates = received.values().stream().filter(n -> n > 1).count();
                System.out.printf("crash test: acknowledged=%d (before kill %d) received=%d missing=%d duplicates=%d%n",
                        acknowledged.size(), atKill, received.size(), missing.size(), duplicates);
                assertEquals(Set.of(), missing, "acknowledged but lost; relay log:\n" + relay.logText());
                assertTrue(duplicates < CONCURRENCY + 8, "duplicates " + duplicates);
                assertTrue(acknowledged.size() > MESSAGES / 2);
            }
        }
    }

    /** Starts the client threads; the latch opens when all have stopped. */
    private static CountDownLatch clients(int port, AtomicInteger next, Set<Integer> acknowledged) {
        CountDownLatch done = new CountDownLatch(CONCURRENCY);
        for (int t = 0; t < CONCURRENCY; t++) {
            new Thread(() -> {
                try {
                    client(port, next, acknowledged);
                } finally {
                    done.countDown();
                }
            }).start();
        }
        return done;
    }

    /** Sends numbered messages on one connection until the numbers run out or the relay goes away. */
    private static void client(int port, AtomicInteger next, Set<Integer> acknowledged) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(30_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            reply(in);
            out.write("EHLO crash.test\r\n".getBytes(StandardCharsets.US_ASCII));
            reply(in);
            int n;
            while ((n = next.getAndIncrement()) < MESSAGES) {
                out.write("MAIL FROM:<app@cast.works>\r\nRCPT TO:<rcpt@example.net>\r\nDATA\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                if (!reply(in).startsWith("250") | !reply(in).startsWith("250") | !reply(in).startsWith("354")) {
                    return;
                }
                out.write(("From: app@cast.works\r\nTo: rcpt@example.net\r\nSubject: crash test " + n
                        + "\r\nX-Seq: " + n + "\r\n\r\n" + "body line\r\n".repeat(300) + ".\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                if (reply(in).startsWith("250")) {
                    acknowledged.add(n);
                }
            }
        } catch (IOException relayGone) {
            // the kill: messages without a 250 may be lost, the client would send them again
        }
    }

    private static String reply(BufferedReader in) throws IOException {
        return works.cast.relay.server.SmtpTestClient.readReply(in);
    }
}
