package works.cast.relay.server.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.server.RelayProcess;
import works.cast.relay.server.smtp.ExternalTools;
import works.cast.relay.server.tls.TestCertificates;

/**
 * The packaged relay keeps a queued message's REQUIRETLS (RFC 8689) across a kill: smtplib submits it over STARTTLS
 * while the smarthost is down, the relay is killed with SIGKILL, {@code queue show} of the jar prints the flag, and
 * after a restart the smarthost (verified TLS, offering REQUIRETLS) receives it with {@code REQUIRETLS} on MAIL FROM.
 */
class RequireTlsRestartIT {

    @Test
    void aQueuedRequireTlsMessageKeepsItsFlagAcrossAKill(@TempDir Path dir) throws Exception {
        TestPki pki = new TestPki();
        Path ca = pki.writeCa(dir.resolve("ca.pem"));
        var cert = TestCertificates.rsa(Files.createDirectories(dir.resolve("tls")), TestCertificates.KeyFormat.PKCS8);
        int port = RelayProcess.freePort();
        int sinkPort = RelayProcess.freePort();
        Path conf = RelayProcess.writeConfig(dir, port, """
                smtp.listen = [ { address = "127.0.0.1", port = %d, tls = starttls } ]
                tls { certificate = "%s", private-key = "%s" }
                access.networks = [ "127.0.0.1/32" ]
                delivery { mode = smarthost, smarthost { host = "127.0.0.1", port = %d, tls = required, trust-store = "%s" },
                           timeouts { connect = 2s, command = 10s, data = 10s } }
                queue { retry = [ 1s ], max-age = 1h }
                """.formatted(port, cert.certificate(), cert.privateKey(), sinkPort, ca));
        try (RelayProcess relay = new RelayProcess(dir, conf, List.of("-Xmx128m")).start(port)) {
            String out = RequireTlsThroughRelayTest.smtplib(port, "starttls");
            assertTrue(out.contains("tls-offers True") && out.contains("sent"), out);
            relay.signal("KILL");
            relay.waitFor(Duration.ofSeconds(30));
        }
        String id;
        try (Stream<Path> s = Files.list(dir.resolve("queue"))) {
            List<String> ids = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".msg"))
                    .map(n -> n.substring(0, n.length() - ".msg".length())).toList();
            assertEquals(1, ids.size(), ids.toString());
            id = ids.get(0);
        }
        ExternalTools.Run show = ExternalTools.run(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-jar", RelayProcess.jar().toAbsolutePath().toString(), "queue", "show", id,
                "--queue-dir", dir.resolve("queue").toString()), Duration.ofSeconds(60));
        assertEquals(0, show.exit(), show.output());
        assertTrue(show.output().contains("tls:        requiretls"), show.output());

        try (ScriptedSmtpServer sink = RequireTlsThroughRelayTest.sink(pki, sinkPort, true);
             RelayProcess relay = new RelayProcess(dir, conf, List.of("-Xmx128m")).start(port)) {
            ScriptedSmtpServer.Message m = sink.messages.poll(60, TimeUnit.SECONDS);
            assertNotNull(m, "delivered within 60 s of the restart:\n" + relay.logText());
            assertTrue(m.mailFrom().startsWith("MAIL FROM:<app@cast.works>") && m.mailFrom().endsWith(" REQUIRETLS"),
                    m.mailFrom());
            assertEquals(List.of(true), sink.encrypted);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!relay.logText().contains("result=delivered next=- requiretls=yes") && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(relay.logText().contains("requiretls=yes delivered=1"), relay.logText());
            assertTrue(relay.logText().contains("result=delivered next=- requiretls=yes"), relay.logText());
        }
    }
}
