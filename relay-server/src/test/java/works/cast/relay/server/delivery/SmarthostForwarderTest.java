package works.cast.relay.server.delivery;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static works.cast.relay.server.delivery.Messages.await;
import static works.cast.relay.server.delivery.Messages.message;
import static works.cast.relay.server.delivery.Messages.plain;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import works.cast.relay.server.message.DeliveryResult;

/** The smarthost client against a scripted SMTP server on loopback. */
class SmarthostForwarderTest {

    private final ExecutorService io = Executors.newCachedThreadPool();
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
        io.shutdownNow();
    }

    private ScriptedSmtpServer server() throws Exception {
        ScriptedSmtpServer s = new ScriptedSmtpServer();
        closing.add(s);
        return s;
    }

    private SmarthostForwarder forwarder(ScriptedSmtpServer s, int connections, UpstreamSettings settings) {
        SmarthostForwarder f = new SmarthostForwarder("127.0.0.1", s.port(), connections, settings,
                Duration.ofSeconds(30), io);
        closing.add(0, f);
        return f;
    }

    @Test
    void idleSessionsCloseAfterTheIdleTimeoutAndBusyOnesStay() throws Exception {
        ScriptedSmtpServer s = server();
        SmarthostForwarder f = new SmarthostForwarder("127.0.0.1", s.port(), 2, plain(), Duration.ofSeconds(1), io);
        closing.add(0, f);
        for (int i = 0; i < 30; i++) {
            await(f, message("Subject: " + i + "\r\n\r\nbody", "a@example.net"));
            s.next(Duration.ofSeconds(5));
        }
        assertEquals(1, f.sessionsOpened(), "one session served the messages one after another");
        assertEquals(1, f.sessionsOpen());
        Thread.sleep(200); // released well before the timeout: still open
        assertEquals(1, f.sessionsOpen());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (f.sessionsOpen() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(0, f.sessionsOpen(), "the idle session was closed");
        await(f, message("Subject: later\r\n\r\nbody", "a@example.net"));
        assertEquals(2, f.sessionsOpened(), "the next message opened a new session");
        assertEquals("Subject: later\r\n\r\nbody\r\n", s.next(Duration.ofSeconds(5)).text());
    }

    @Test
    void deliversExactBytesWithDotsStuffedAndLineEndAdded() throws Exception {
        ScriptedSmtpServer s = server();
        SmarthostForwarder f = forwarder(s, 1, plain());
        String content = "Subject: dots\r\n\r\n.first\r\n..two\r\n.\r\nmid . dot\r\nlast line";
        Map<String, DeliveryResult> r = await(f, message(content, "a@example.net"));
        DeliveryResult a = r.get("a@example.net");
        assertInstanceOf(DeliveryResult.Delivered.class, a);
        assertEquals("250 2.0.0 Ok: queued as TEST", a.reply().summary());
        ScriptedSmtpServer.Message m = s.next(Duration.ofSeconds(5));
        assertEquals(content + "\r\n", m.text());
        assertEquals("MAIL FROM:<sender@cast.works> SIZE=" + content.length(), m.mailFrom());
    }

    @Test
    void largeMessageStreamsInChunks() throws Exception {
        ScriptedSmtpServer s = server();
        SmarthostForwarder f = forwarder(s, 1, plain());
        StringBuilder sb = new StringBuilder("Subject: big\r\n\r\n");
        for (int i = 0; i < 40_000; i++) {
            sb.append(i % 7 == 0 ? ".dotted line " : "line ").append(i).append("\r\n");
        }
        byte[] bytes = sb.toString().getBytes(StandardCharsets.US_ASCII);
        Map<String, DeliveryResult> r = await(f, message(bytes, false, false, "a@example.net"));
        assertInstanceOf(DeliveryResult.Delivered.class, r.get("a@example.net"));
        assertArrayEquals(bytes, s.next(Duration.ofSeconds(5)).content());
    }

    @Test
    void pipelinesMailRcptAndData() throws Exception {
        ScriptedSmtpServer s = server();
        SmarthostForwarder f = forwarder(s, 1, plain());
        await(f, message("x\r\n", "a@example.net", "b@example.net"));
        assertEquals(List.of("a@example.net", "b@example.net"), s.next(Duration.ofSeconds(5)).recipients());
        assertTrue(s.pipelinedCommands.stream().anyMatch(c -> c.startsWith("MAIL")), s.commands.toString());
    }

    @Test
    void withoutPipeliningWaitsForEachReply() throws Exception {
        ScriptedSmtpServer s = server();
        s.capabilities = List.of("SIZE 1000000", "8BITMIME");
        SmarthostForwarder f = forwarder(s, 1, plain());
        await(f, message("x\r\n", "a@example.net", "b@example.net"));
        s.next(Duration.ofSeconds(5));
        assertTrue(s.pipelinedCommands.isEmpty(), s.pipelinedCommands.toString());
    }

    @Test
    void resultsPerRecipient() throws Exception {
        for (List<String> caps : List.of(List.of("PIPELINING"), List.<String>of())) {
            ScriptedSmtpServer s = server();
            s.capabilities = caps;
            s.rcptReply = r -> r.startsWith("temp") ? "451 4.2.0 Try later" : r.startsWith("bad")
                    ? "550 5.1.1 No such user" : "250 2.1.5 Ok";
            SmarthostForwarder f = forwarder(s, 1, plain());
            Map<String, DeliveryResult> r = await(f, message("x\r\n", "ok@example.net", "temp@example.net",
                    "bad@example.net"));
            assertInstanceOf(DeliveryResult.Delivered.class, r.get("ok@example.net"));
            assertInstanceOf(DeliveryResult.Deferred.class, r.get("temp@example.net"));
            assertEquals("451 4.2.0 Try later", r.get("temp@example.net").reply().summary());
            assertInstanceOf(DeliveryResult.Failed.class, r.get("bad@example.net"));
            assertEquals(Optional.of("127.0.0.1"), r.get("bad@example.net").remoteHost(), "the server that refused");
            assertEquals(List.of("ok@example.net"), s.next(Duration.ofSeconds(5)).recipients());
        }
    }

    @Test
    void allRecipientsRefusedSendsNoContentAndSessionStaysUsable() throws Exception {
        for (List<String> caps : List.of(List.of("PIPELINING"), List.<String>of())) {
            ScriptedSmtpServer s = server();
            s.capabilities = caps;
            s.rcptReply = r -> r.startsWith("bad") ? "550 5.1.1 No such user" : "250 2.1.5 Ok";
            SmarthostForwarder f = forwarder(s, 1, plain());
            Map<String, DeliveryResult> r = await(f, message("x\r\n", "bad@example.net"));
            assertEquals("550 5.1.1 No such user", r.get("bad@example.net").reply().summary());
            Map<String, DeliveryResult> r2 = await(f, message("y\r\n", "ok@example.net"));
            assertInstanceOf(DeliveryResult.Delivered.class, r2.get("ok@example.net"));
            assertEquals("y\r\n", s.next(Duration.ofSeconds(5)).text());
            assertEquals(1, s.connections.get());
            assertTrue(s.commands.contains("RSET"), s.commands.toString());
        }
    }

    @Test
    void dataRefusalReachesAcceptedRecipients() throws Exception {
        ScriptedSmtpServer s = server();
        s.dataReply = "554 5.7.1 Message refused";
        SmarthostForwarder f = forwarder(s, 1, plain());
        Map<String, DeliveryResult> r = await(f, message("x\r\n", "a@example.net"));
        assertInstanceOf(DeliveryResult.Failed.class, r.get("a@example.net"));
        assertEquals("554 5.7.1 Message refused", r.get("a@example.net").reply().summary());
    }

    @Test
    void missingSmtpUtf8Or8BitMimeOrSizeFailsWithoutSending() throws Exception {
        ScriptedSmtpServer s = server();
        s.capabilities = List.of("PIPELINING", "SIZE 100");
        SmarthostForwarder f = forwarder(s, 1, plain());
        byte[] utf8 = "Subject: caf\u00e9\r\n\r\nx\r\n".getBytes(StandardCharsets.UTF_8);
        Map<String, DeliveryResult> r = await(f, message(utf8, true, true, "j\u00f6rg@example.net"));
        assertInstanceOf(DeliveryResult.Failed.class, r.get("j\u00f6rg@example.net"));
        assertEquals("554 5.6.7", r.get("j\u00f6rg@example.net").reply().summary().substring(0, 9));
        assertTrue(r.get("j\u00f6rg@example.net").reply().summary().contains("SMTPUTF8"));
        r = await(f, message(utf8, true, false, "a@example.net"));
        assertTrue(r.get("a@example.net").reply().summary().startsWith("554 5.6.3"), r.toString());
        r = await(f, message("x".repeat(200), "a@example.net"));
        assertInstanceOf(DeliveryResult.Failed.class, r.get("a@example.net"));
        assertTrue(r.get("a@example.net").reply().summary().startsWith("552 5.3.4"), r.toString());
        assertFalse(s.commands.stream().anyMatch(c -> c.startsWith("MAIL")), s.commands.toString());
    }

    @Test
    void smtpUtf8AndEightBitAreDeclaredWhenOffered() throws Exception {
        ScriptedSmtpServer s = server();
        SmarthostForwarder f = forwarder(s, 1, plain());
        byte[] utf8 = "Subject: caf\u00e9\r\n\r\nx\r\n".getBytes(StandardCharsets.UTF_8);
        Map<String, DeliveryResult> r = await(f, message(utf8, true, true, "j\u00f6rg@example.net"));
        assertInstanceOf(DeliveryResult.Delivered.class, r.get("j\u00f6rg@example.net"));
        ScriptedSmtpServer.Message m = s.next(Duration.ofSeconds(5));
        assertEquals("MAIL FROM:<sender@cast.works> SIZE=" + utf8.length + " BODY=8BITMIME SMTPUTF8", m.mailFrom());
        assertEquals(List.of("j\u00f6rg@example.net"), m.recipients());
        assertArrayEquals(utf8, m.content());
    }

    @Test
    void heloWhenEhloIsRefused() throws Exception {
        ScriptedSmtpServer s = server();
        s.rejectEhlo = true;
        SmarthostForwarder f = forwarder(s, 1, plain());
        Map<String, DeliveryResult> r = await(f, message("x\r\n", "a@example.net"));
        assertInstanceOf(DeliveryResult.Delivered.class, r.get("a@example.net"));
        assertTrue(s.commands.contains("HELO relay.test"), s.commands.toString());
        assertTrue(s.next(Duration.ofSeconds(5)).mailFrom().equals("MAIL FROM:<sender@cast.works>"));
    }

    @Test
    void silentServerDefersAfterTheGreetingTimeout() throws Exception {
        ScriptedSmtpServer s = server();
        s.silent = true;
        SmarthostForwarder f = forwarder(s, 1, plain(Duration.ofMillis(300)));
        Map<String, DeliveryResult> r = await(f, message("x\r\n", "a@example.net", "b@example.net"));
        for (DeliveryResult d : r.values()) {
            assertInstanceOf(DeliveryResult.Deferred.class, d);
            assertTrue(d.reply().summary().startsWith("451 4.4.2"), d.reply().summary());
            assertTrue(d.reply().summary().contains("greeting"), d.reply().summary());
        }
        assertEquals(2, r.size());
    }

    @Test
    void noReplyAfterDataDefers() throws Exception {
        ScriptedSmtpServer s = server();
        s.silentAfterData = true;
        SmarthostForwarder f = forwarder(s, 1, plain(Duration.ofMillis(300)));
        Map<String, DeliveryResult> r = await(f, message("x\r\n", "a@example.net"));
        assertInstanceOf(DeliveryResult.Deferred.class, r.get("a@example.net"));
        assertTrue(r.get("a@example.net").reply().summary().contains("end of data"), r.toString());
    }

    @Test
    void connectionRefusedDefers() throws Exception {
        ScriptedSmtpServer s = server();
        int port = s.port();
        s.close();
        SmarthostForwarder f = new SmarthostForwarder("127.0.0.1", port, 1, plain(), Duration.ofSeconds(5), io);
        closing.add(f);
        Map<String, DeliveryResult> r = await(f, message("x\r\n", "a@example.net"));
        assertInstanceOf(DeliveryResult.Deferred.class, r.get("a@example.net"));
        assertTrue(r.get("a@example.net").reply().summary().startsWith("451 4.4.1"), r.toString());
        assertEquals(Optional.of("127.0.0.1"), r.get("a@example.net").remoteHost(), "the smarthost tried");
    }

    @Test
    void malformedReplyCodeIsAProtocolError() throws Exception {
        ScriptedSmtpServer s = server();
        s.malformedMailReply = "2x0 Ok";
        SmarthostForwarder f = forwarder(s, 1, plain());
        Map<String, DeliveryResult> r = await(f, message("x\r\n", "a@example.net"));
        assertInstanceOf(DeliveryResult.Deferred.class, r.get("a@example.net"));
        assertTrue(r.get("a@example.net").reply().summary().startsWith("451 4.5.0"), r.toString());
    }

    @Test
    void poolReusesOneConnectionWithRsetBetweenMessages() throws Exception {
        ScriptedSmtpServer s = server();
        SmarthostForwarder f = forwarder(s, 1, plain());
        for (int i = 0; i < 3; i++) {
            assertInstanceOf(DeliveryResult.Delivered.class, await(f, message("m" + i + "\r\n", "a@example.net"))
                    .get("a@example.net"));
        }
        assertEquals(1, s.connections.get());
        assertEquals(1, f.sessionsOpened());
        assertEquals(2, s.commands.stream().filter("RSET"::equals).count());
    }

    @Test
    void poolLimitsParallelConnectionsAndQueuesTheRest() throws Exception {
        ScriptedSmtpServer s = server();
        SmarthostForwarder f = forwarder(s, 2, plain());
        List<CompletableFuture<Map<String, DeliveryResult>>> all = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            all.add(f.forward(message("m" + i + "\r\n", "a@example.net")).toCompletableFuture());
        }
        for (CompletableFuture<Map<String, DeliveryResult>> c : all) {
            assertInstanceOf(DeliveryResult.Delivered.class, c.get(30, TimeUnit.SECONDS).get("a@example.net"));
        }
        assertEquals(8, s.messages.size());
        assertTrue(s.connections.get() <= 2, "connections: " + s.connections.get());
    }

    @Test
    void brokenConnectionIsReplaced() throws Exception {
        ScriptedSmtpServer s = server();
        s.silentAfterData = true;
        SmarthostForwarder f = forwarder(s, 1, plain(Duration.ofMillis(300)));
        assertInstanceOf(DeliveryResult.Deferred.class, await(f, message("x\r\n", "a@example.net"))
                .get("a@example.net"));
        s.silentAfterData = false;
        assertInstanceOf(DeliveryResult.Delivered.class, await(f, message("y\r\n", "a@example.net"))
                .get("a@example.net"));
        assertEquals(2, s.connections.get());
    }
}
