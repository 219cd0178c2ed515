package works.cast.relay.server.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.server.RelayProcess;
import works.cast.relay.server.SmtpTestClient;

/**
 * Queued files of a stopped relay are damaged (cut short, extended, one byte flipped); the restarted relay moves each
 * aside to {@code corrupt/} with one log line, never delivers it, and delivers the rest.
 */
class QueueCorruptionIT {

    static final Pattern SEQ = Pattern.compile("X-Seq: (\\d+)");

    @Test
    void damagedFilesAreMovedAsideAndTheRestDelivered(@TempDir Path dir) throws Exception {
        int port = RelayProcess.freePort();
        int upstreamPort = RelayProcess.freePort(); // nothing listens there until the restart: the upstream is down
        Path conf = RelayProcess.writeConfig(dir, port, """
                delivery { mode = smarthost, smarthost { host = "127.0.0.1", port = %d, tls = none, connections = 2 },
                           timeouts { connect = 2s, command = 10s, data = 10s } }
                queue { retry = [ 1s ], max-age = 1h }
                """.formatted(upstreamPort));
        try (RelayProcess relay = new RelayProcess(dir, conf, List.of("-Xmx128m")).start(port);
             SmtpTestClient c = new SmtpTestClient(port)) {
            c.hello();
            for (int i = 0; i < 6; i++) {
                String reply = c.send("app@cast.works", "rcpt@example.net", "From: app@cast.works\r\n"
                        + "To: rcpt@example.net\r\nSubject: corruption " + i + "\r\nX-Seq: " + i + "\r\n\r\n"
                        + "body line\r\n".repeat(50));
                assertTrue(reply.startsWith("250"), reply);
            }
            relay.signal("TERM");
            assertEquals(0, relay.waitFor(Duration.ofSeconds(30)), relay.logText());
        }
        Path queue = dir.resolve("queue");
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(queue)) {
            s.filter(p -> p.toString().endsWith(".msg")).sorted().forEach(files::add);
        }
        assertEquals(6, files.size(), "six messages queued with the upstream down");
        Set<Integer> damaged = new TreeSet<>();
        byte[] b = Files.readAllBytes(files.get(0));
        Files.write(files.get(0), java.util.Arrays.copyOf(b, b.length - 40)); // cut inside the received bytes
        damaged.add(seq(b));
        b = Files.readAllBytes(files.get(1));
        Files.write(files.get(1), "x\r\n".getBytes(StandardCharsets.US_ASCII), StandardOpenOption.APPEND);
        damaged.add(seq(b));
        b = Files.readAllBytes(files.get(2));
        damaged.add(seq(b));
        b[b.length / 2] ^= 0x01; // one bit in the body
        Files.write(files.get(2), b);

        try (ScriptedSmtpServer upstream = new ScriptedSmtpServer("127.0.0.1", upstreamPort);
             RelayProcess relay = new RelayProcess(dir, conf, List.of("-Xmx128m")).start(port)) {
            Set<Integer> received = new TreeSet<>();
            for (int i = 0; i < 3; i++) {
                received.add(seq(upstream.next(Duration.ofSeconds(30)).content()));
            }
            Set<Integer> expected = new TreeSet<>(Set.of(0, 1, 2, 3, 4, 5));
            expected.removeAll(damaged);
            assertEquals(expected, received, "the undamaged messages arrive");
            String log = relay.logText();
            assertEquals(3, Pattern.compile("queue message id=\\S+ unusable").matcher(log).results().count(), log);
            assertTrue(log.contains("messages=3 removed=0 corrupt=3"), log);
            List<String> aside;
            try (Stream<Path> s = Files.list(queue.resolve("corrupt"))) {
                aside = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".msg")).sorted().toList();
            }
            assertEquals(files.subList(0, 3).stream().map(p -> p.getFileName().toString()).toList(), aside);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (queueFiles(queue) > 0 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(0, queueFiles(queue), "the delivered messages are removed");
            assertEquals(0, upstream.messages.size(), "nothing damaged was delivered");
        }
    }

    private static long queueFiles(Path queue) throws java.io.IOException {
        try (Stream<Path> s = Files.list(queue)) {
            return s.filter(p -> p.toString().endsWith(".msg")).count();
        }
    }

    private static int seq(byte[] content) {
        Matcher m = SEQ.matcher(new String(content, StandardCharsets.US_ASCII));
        assertTrue(m.find(), "numbered message");
        return Integer.parseInt(m.group(1));
    }
}
