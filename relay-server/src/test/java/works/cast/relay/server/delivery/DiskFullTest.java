package works.cast.relay.server.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.server.TestRelay;

/**
 * A full disk: the queue lives on a 2 MiB tmpfs and the upstream is down, so messages pile up until the file system
 * is full. The client then gets 452 4.3.1, and every message answered 250 before is still delivered once the
 * upstream comes back.
 */
class DiskFullTest {

    @TempDir
    Path dir;
    private Path mount;

    @AfterEach
    void unmount() throws Exception {
        if (mount != null) {
            new ProcessBuilder("umount", mount.toString()).start().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void fullQueueFileSystemAnswers452AndLosesNothing() throws Exception {
        Path fs = Files.createDirectories(dir.resolve("small"));
        Process m = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", fs.toString())
                .redirectErrorStream(true).start();
        boolean mounted = m.waitFor(10, TimeUnit.SECONDS) && m.exitValue() == 0;
        assumeTrue(mounted, "cannot mount a tmpfs here (needs root): " + new String(m.getInputStream().readAllBytes()));
        mount = fs;
        int upstreamPort = Tools.freeTcpPort("127.0.0.1");
        try (TestRelay relay = TestRelay.start(dir, """
                delivery { mode = smarthost, smarthost { host = "127.0.0.1", port = %d, tls = none, connections = 2 },
                           timeouts { connect = 1s, command = 10s, data = 10s } }
                queue { dir = "%s", retry = [ 1s ], max-age = 1h }
                """.formatted(upstreamPort, fs.resolve("queue")))) {
            Set<Integer> acknowledged = new HashSet<>();
            List<String> refusals = new ArrayList<>();
            String body = "x".repeat(70) + "\r\n";
            for (int n = 0; n < 200 && refusals.isEmpty(); n++) {
                String reply = send(relay.port(), n, body.repeat(1500)); // about 100 KB each
                if (reply.startsWith("250")) {
                    acknowledged.add(n);
                } else {
                    refusals.add(reply);
                }
            }
            assertEquals(1, refusals.size(), "the disk filled up");
            assertTrue(refusals.get(0).startsWith("452 4.3.1"), refusals.get(0));
            assertTrue(acknowledged.size() > 5, "some messages fit: " + acknowledged.size());
            try (ScriptedSmtpServer upstream = new ScriptedSmtpServer("127.0.0.1", upstreamPort)) {
                Set<Integer> received = new HashSet<>();
                Pattern seq = Pattern.compile("X-Seq: (\\d+)");
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!received.containsAll(acknowledged) && System.nanoTime() < deadline) {
                    ScriptedSmtpServer.Message msg = upstream.messages.poll(1, TimeUnit.SECONDS);
                    if (msg != null) {
                        Matcher x = seq.matcher(msg.text());
                        assertTrue(x.find());
                        received.add(Integer.parseInt(x.group(1)));
                    }
                }
                assertEquals(acknowledged, received);
            }
            // With room again, the relay accepts mail as before.
            assertTrue(send(relay.port(), 999, "after\r\n").startsWith("250"));
        }
    }

    private static String send(int port, int n, String body) throws IOException {
        try (works.cast.relay.server.SmtpTestClient c = new works.cast.relay.server.SmtpTestClient(port)) {
            c.hello();
            return c.send("app@cast.works", "rcpt@example.net", "From: app@cast.works\r\nX-Seq: " + n + "\r\n\r\n" + body);
        }
    }
}
