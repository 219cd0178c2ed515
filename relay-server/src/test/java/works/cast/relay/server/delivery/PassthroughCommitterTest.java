package works.cast.relay.server.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static works.cast.relay.server.delivery.Messages.plain;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import works.cast.relay.core.mail.Envelope;
import works.cast.relay.server.intake.AcceptedMessage;
import works.cast.relay.server.queue.QueueId;
import works.cast.relay.server.smtp.Reply;

/** Passthrough delivery answers with the upstream's reply. */
class PassthroughCommitterTest {

    private final ExecutorService io = Executors.newCachedThreadPool();
    private final List<Map<String, DeliveryResult>> bounced = new CopyOnWriteArrayList<>();
    private ScriptedSmtpServer server;
    private SmarthostForwarder forwarder;

    @TempDir
    Path tmp;

    @AfterEach
    void close() throws Exception {
        forwarder.close();
        server.close();
        io.shutdownNow();
    }

    private Reply commit(String... recipients) throws Exception {
        server = server == null ? new ScriptedSmtpServer() : server;
        forwarder = forwarder == null ? new SmarthostForwarder("127.0.0.1", server.port(), 1, plain(),
                Duration.ofSeconds(30), io) : forwarder;
        PassthroughCommitter committer = new PassthroughCommitter(forwarder, tmp.resolve("spool"), io,
                (m, file, failed) -> {
                    assertTrue(Files.exists(file));
                    bounced.add(failed);
                });
        QueueId id = QueueId.next();
        Path spoolFile = committer.spoolFile(id);
        byte[] body = "Subject: hi\r\n\r\n.dot\r\n".getBytes(StandardCharsets.US_ASCII);
        Files.write(spoolFile, body);
        byte[] prepend = "Received: from test\r\n".getBytes(StandardCharsets.US_ASCII);
        AcceptedMessage m = new AcceptedMessage(id, new Envelope("a@cast.works", List.of(recipients), false, false),
                prepend, Instant.now(), "127.0.0.1", Optional.empty(), Optional.of("cast.works"), List.of(),
                body.length);
        Reply reply = committer.commit(m, spoolFile).toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertFalse(Files.exists(spoolFile));
        return reply;
    }

    @Test
    void deliveredAnswersWithTheUpstreamReply() throws Exception {
        server = new ScriptedSmtpServer();
        server.dataReply = "250 2.0.0 Ok: queued as UP123";
        assertEquals("250 2.0.0 Ok: queued as UP123", commit("b@example.net").summary());
        assertEquals("Received: from test\r\nSubject: hi\r\n\r\n.dot\r\n",
                server.next(Duration.ofSeconds(5)).text());
        assertTrue(bounced.isEmpty());
    }

    @Test
    void upstreamRefusalReachesTheClient() throws Exception {
        server = new ScriptedSmtpServer();
        server.rcptReply = r -> "550 5.1.1 User unknown";
        assertEquals("550 5.1.1 User unknown", commit("b@example.net").summary());
        server.rcptReply = r -> "450 4.2.1 Mailbox busy";
        assertEquals("450 4.2.1 Mailbox busy", commit("b@example.net").summary());
    }

    @Test
    void partialDeliveryAnswers250AndBouncesTheRest() throws Exception {
        server = new ScriptedSmtpServer();
        server.rcptReply = r -> r.startsWith("bad") ? "550 5.1.1 User unknown" : "250 2.1.5 Ok";
        assertEquals(250, commit("good@example.net", "bad@example.net").code());
        assertEquals(1, bounced.size());
        assertEquals(List.of("bad@example.net"), List.copyOf(bounced.get(0).keySet()));
    }

    @Test
    void unreachableUpstreamIsTransient() throws Exception {
        server = new ScriptedSmtpServer();
        server.silent = true;
        forwarder = new SmarthostForwarder("127.0.0.1", server.port(), 1, plain(Duration.ofMillis(300)),
                Duration.ofSeconds(30), io);
        assertEquals(451, commit("b@example.net").code());
    }
}
