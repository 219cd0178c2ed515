package works.cast.relay.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Start and stop of a whole relay in-process: a start that fails half-way closes what it had opened, and a running
 * relay serves outbound SMTP and management HTTP from one event loop group.
 */
class RelayLifecycleTest {

    private static final Duration DEADLINE = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    @Test
    void startThatFailsAtTheHttpPortClosesWhatItOpened() throws Exception {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        int smtpPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            smtpPort = probe.getLocalPort();
        }
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            // Smarthost delivery: the queue, its group commit, the delivery worker and the forwarder start too.
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> TestRelay.start(dir, """
                    smtp.listen = [ { address = "127.0.0.1", port = %d, tls = none } ]
                    delivery { mode = smarthost, smarthost { host = "127.0.0.1", port = 9, tls = none } }
                    http { enabled = true, address = "127.0.0.1", port = %d }
                    """.formatted(smtpPort, taken.getLocalPort())));
            assertTrue(e.getMessage().contains("management http 127.0.0.1:" + taken.getLocalPort()), e.getMessage());
        }
        // The SMTP listener that had started is closed: its port can be bound again at once.
        try (ServerSocket again = new ServerSocket(smtpPort, 1, InetAddress.getLoopbackAddress())) {
            assertEquals(smtpPort, again.getLocalPort());
        }
        // No thread the failed start made keeps the JVM alive.
        List<String> left = awaitNone(before, t -> !t.isDaemon());
        assertEquals(List.of(), left, "non-daemon threads left by the failed start");
        // Nor any of the relay's own threads, daemon or not (Netty's global executor ends by itself when idle).
        left = awaitNone(before, t -> !t.getName().startsWith("globalEventExecutor"));
        assertEquals(List.of(), left, "threads left by the failed start");
    }

    @Test
    void outboundSmtpAndHttpShareOneEventLoopGroup() throws Exception {
        int deadUpstream;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            deadUpstream = probe.getLocalPort();
        }
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        try (TestRelay relay = TestRelay.start(Files.createDirectories(dir.resolve("up")), """
                delivery { mode = smarthost, smarthost { host = "127.0.0.1", port = %d, tls = none } }
                http { enabled = true, address = "127.0.0.1", port = 0 }
                """.formatted(deadUpstream))) {
            try (SmtpTestClient c = new SmtpTestClient(relay.port())) {
                c.hello();
                String reply = c.send("app@cast.works", "someone@example.net",
                        "From: <app@cast.works>\r\nSubject: loops\r\n\r\nbody\r\n");
                assertTrue(reply.startsWith("250"), reply);
            }
            HttpURLConnection http = (HttpURLConnection) URI.create("http://127.0.0.1:"
                    + relay.relay.httpPort().orElseThrow() + "/healthz").toURL().openConnection();
            http.setConnectTimeout(5000);
            http.setReadTimeout(5000);
            assertEquals(200, http.getResponseCode());
            http.disconnect();
            // The delivery attempt (refused by the dead upstream) and the HTTP request both ran on the shared group.
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            while (attempts(relay) == 0 && System.nanoTime() < deadline) {
                Thread.sleep(20); // the attempt ends on the delivery worker: poll its counter
            }
            assertTrue(attempts(relay) > 0, "no delivery attempt");
            Set<String> names = newThreads(before, t -> true).stream().map(n -> n.replaceAll("-[0-9]+-[0-9]+$", ""))
                    .collect(Collectors.toSet());
            assertTrue(names.contains("outbound-smtp-and-http"), names.toString());
            assertTrue(names.stream().noneMatch(n -> n.equals("relay-http") || n.equals("smarthost")),
                    "a group of its own: " + names);
            assertTrue(names.contains("smtp-accept") && names.contains("smtp-session")
                    && names.contains("intake-spool-sign-commit"), names.toString());
        }
        // A relay that ran and stopped leaves no non-daemon thread either.
        assertEquals(List.of(), awaitNone(before, t -> !t.isDaemon()), "non-daemon threads left after stop");
    }

    @Test
    void closesInReverseOrderAndGoesOnPastAFailure() {
        List<String> closed = new ArrayList<>();
        Lifecycle parts = new Lifecycle();
        parts.add("first", () -> closed.add("first"));
        parts.onStop("second", drain -> {
            closed.add("second " + drain.toSeconds());
            throw new IOException("disk gone");
        });
        parts.add("third", () -> closed.add("third"));
        assertEquals(List.of("third", "second", "first"), parts.closingOrder());
        parts.stop(Duration.ofSeconds(3));
        assertEquals(List.of("third", "second 3", "first"), closed);
        parts.stop(Duration.ZERO);
        assertEquals(3, closed.size(), "each part closes once");
    }

    private static double attempts(TestRelay relay) {
        return relay.relay.metrics().registry().find("dkim_relay.delivery.attempts").counters().stream()
                .mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
    }

    /** The names of threads started since {@code before} that are alive and match. */
    private static List<String> newThreads(Set<Thread> before, Predicate<Thread> match) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !before.contains(t) && t.isAlive() && match.test(t))
                .map(Thread::getName).sorted().toList();
    }

    /** Waits, up to the deadline, until no such thread is left; returns those still there. */
    private static List<String> awaitNone(Set<Thread> before, Predicate<Thread> match) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        List<String> left = newThreads(before, match);
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20); // polling thread state: there is nothing to wait on
            left = newThreads(before, match);
        }
        return left;
    }
}
