package works.cast.relay.server.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import works.cast.relay.server.queue.MutableClock;

/** AUTH defences: busy checks, one AUTH per client at a time, the failure table's bounds, sender ownership. */
class AuthDefencesTest {

    private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(30);
    private final RecordingReceiver receiver = new RecordingReceiver();
    private SmtpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(Duration.ofMillis(200));
        }
    }

    /** Answers each AUTH when the test completes the future it queued. */
    private static final class GatedAuthenticator implements Authenticator {
        final LinkedBlockingQueue<CompletableFuture<Optional<User>>> calls = new LinkedBlockingQueue<>();

        @Override
        public CompletionStage<Optional<User>> authenticate(String username, String password) {
            CompletableFuture<Optional<User>> f = new CompletableFuture<>();
            calls.add(f);
            return f;
        }

        @Override
        public boolean hasUsers() {
            return true;
        }

        CompletableFuture<Optional<User>> next() throws InterruptedException {
            CompletableFuture<Optional<User>> f = calls.poll(10, TimeUnit.SECONDS);
            assertTrue(f != null, "an AUTH reached the authenticator");
            return f;
        }
    }

    private int start(Authenticator authenticator) {
        SmtpServerSettings settings = new SmtpServerSettings("relay.test",
                List.of(new SmtpServerSettings.Listener("127.0.0.1", 0, SmtpServerSettings.TlsMode.NONE)),
                Optional.empty(), false, NetworkAcl.parse(List.of("192.0.2.0/24")), false,
                SmtpServerSettings.Limits.defaults().withAuthFailures(Duration.ofMillis(10), 3, Duration.ofMinutes(1)),
                SmtpServerSettings.BareLfMode.REJECT);
        server = new SmtpServer(settings, receiver, authenticator);
        server.start();
        return server.boundPorts().get(0);
    }

    private static final String ALICE = "AUTH PLAIN AGFsaWNlAHMzY3JldA=="; // \0alice\0s3cret

    @Test
    void busyChecksAnswer454AndAreNotCountedAsFailures() throws Exception {
        GatedAuthenticator auth = new GatedAuthenticator();
        int port = start(auth);
        try (LineClient c = new LineClient("127.0.0.7", port)) {
            c.reply();
            c.command("EHLO x");
            for (int i = 0; i < 5; i++) {
                c.raw(ALICE + "\r\n");
                auth.next().completeExceptionally(new Authenticator.Busy());
                assertTrue(c.reply().startsWith("454 4.7.0"), "busy is temporary");
            }
            c.raw(ALICE + "\r\n");
            auth.next().complete(Optional.of(new Authenticator.User("alice", Set.of("cast.works"))));
            assertTrue(c.reply().startsWith("235"), "five busy answers did not block the client (limit 3)");
        }
    }

    @Test
    void secondAuthFromTheSameClientWaitsForTheFirstAnswer() throws Exception {
        GatedAuthenticator auth = new GatedAuthenticator();
        int port = start(auth);
        try (LineClient a = new LineClient("127.0.0.8", port); LineClient b = new LineClient("127.0.0.8", port);
             LineClient other = new LineClient("127.0.0.9", port)) {
            for (LineClient c : List.of(a, b, other)) {
                c.reply();
                c.command("EHLO x");
            }
            a.raw(ALICE + "\r\n");
            CompletableFuture<Optional<Authenticator.User>> first = auth.next();
            b.raw(ALICE + "\r\n");
            other.raw(ALICE + "\r\n");
            // Another client is not held up by 127.0.0.8's check in flight.
            CompletableFuture<Optional<Authenticator.User>> third = auth.next();
            third.complete(Optional.empty());
            assertTrue(other.reply().startsWith("535"));
            assertTrue(auth.calls.isEmpty(), "b's AUTH waits while a's is in flight");
            first.complete(Optional.of(new Authenticator.User("alice", Set.of("cast.works"))));
            assertTrue(a.reply().startsWith("235"));
            auth.next().complete(Optional.of(new Authenticator.User("alice", Set.of("cast.works"))));
            assertTrue(b.reply().startsWith("235"), "b's AUTH was checked after a's answer");
        }
    }

    @Test
    void turnsRunOneAtATimePerClientAndForget() {
        AuthTurns turns = new AuthTurns();
        List<String> started = new ArrayList<>();
        CompletableFuture<Void> one = new CompletableFuture<>();
        CompletableFuture<Void> two = new CompletableFuture<>();
        turns.inTurn(address("2001:db8::1"), () -> {
            started.add("one");
            return one;
        });
        turns.inTurn(address("2001:db8::2"), () -> { // same /64
            started.add("two");
            return two;
        });
        turns.inTurn(address("2001:db8:0:1::1"), () -> { // another /64
            started.add("other");
            return CompletableFuture.completedFuture(null);
        });
        assertEquals(List.of("one", "other"), started);
        one.complete(null);
        assertEquals(List.of("one", "other", "two"), started);
        assertEquals(1, turns.clients());
        two.completeExceptionally(new IllegalStateException("closed"));
        assertEquals(0, turns.clients(), "no entry is left once every AUTH was answered");
    }

    @Test
    void failuresOfOneIpv6SlashSixtyFourCountTogetherAndExpire() {
        MutableClock clock = new MutableClock(Instant.parse("2026-12-04T00:00:00Z"));
        AuthFailureTracker t = new AuthFailureTracker(3, Duration.ofMinutes(1), clock);
        assertFalse(t.recordFailure(address("2001:db8::1")));
        assertFalse(t.recordFailure(address("2001:db8::2")));
        assertTrue(t.recordFailure(address("2001:db8::ffff:1")), "three addresses of one /64 are one client");
        assertTrue(t.isBlocked(address("2001:db8::abcd")));
        assertFalse(t.isBlocked(address("2001:db8:0:1::1")), "the next /64 is another client");
        assertFalse(t.recordFailure(address("192.0.2.1")));
        assertFalse(t.isBlocked(address("192.0.2.2")), "IPv4 counts per address");
        assertTrue(t.recordFailure(address("::ffff:192.0.2.1")) == false && t.clients() == 2,
                "an IPv4-mapped address is its IPv4 address");
        clock.advance(Duration.ofSeconds(61));
        t.sweep();
        assertEquals(0, t.clients(), "the sweep drops clients whose failures left the window");
        assertFalse(t.isBlocked(address("2001:db8::1")));
        assertNotEquals(Duration.ZERO, t.sweepInterval());
    }

    @Test
    void swaksCannotUseAnotherDomainAsEnvelopeSender() throws Exception {
        int port = start(FakeAuthenticator.alice());
        String swaks = ExternalTools.require("/usr/bin/swaks");
        ExternalTools.Run refused = ExternalTools.run(List.of(swaks, "--server", "127.0.0.1:" + port,
                "--from", "victim@example.org", "--to", "b@example.com", "--auth", "PLAIN",
                "--auth-user", "alice", "--auth-password", "s3cret", "--timeout", "10"), TOOL_TIMEOUT);
        assertTrue(refused.exit() != 0, refused.output());
        assertTrue(refused.output().contains("550 5.7.1 Sender address <victim@example.org> is not owned by user "
                + "alice"), refused.output());
        assertTrue(receiver.opened.isEmpty());

        ExternalTools.Run ok = ExternalTools.run(List.of(swaks, "--server", "127.0.0.1:" + port,
                "--from", "app@mail.cast.works", "--to", "b@example.com", "--auth", "PLAIN",
                "--auth-user", "alice", "--auth-password", "s3cret", "--timeout", "10"), TOOL_TIMEOUT);
        assertEquals(0, ok.exit(), ok.output());
    }

    @Test
    void smtplibMayUseTheNullSender() throws Exception {
        int port = start(FakeAuthenticator.alice());
        String script = "import smtplib\n"
                + "s = smtplib.SMTP('127.0.0.1', " + port + ", timeout=10)\n"
                + "s.login('alice', 's3cret')\n"
                + "s.sendmail('', ['b@example.com'], 'From: a@cast.works\\r\\nSubject: t\\r\\n\\r\\nbody\\r\\n')\n"
                + "try:\n"
                + "    s.sendmail('x@example.org', ['b@example.com'], 'From: a@cast.works\\r\\n\\r\\nbody\\r\\n')\n"
                + "except smtplib.SMTPSenderRefused as e:\n"
                + "    print('refused', e.smtp_code, e.smtp_error.decode())\n"
                + "s.quit()\n";
        ExternalTools.Run run = ExternalTools.run(List.of("/usr/bin/python3", "-c", script), TOOL_TIMEOUT);
        assertEquals(0, run.exit(), run.output());
        assertTrue(run.output().contains("refused 550 5.7.1 Sender address <x@example.org> is not owned"),
                run.output());
        assertEquals("", receiver.next(Duration.ofSeconds(5)).envelope().reversePath());
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
