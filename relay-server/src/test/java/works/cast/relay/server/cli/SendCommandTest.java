package works.cast.relay.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import works.cast.relay.core.mail.Envelope;
import works.cast.relay.server.smtp.Authenticator;
import works.cast.relay.server.smtp.MessageReceiver;
import works.cast.relay.server.smtp.MessageSink;
import works.cast.relay.server.smtp.NetworkAcl;
import works.cast.relay.server.message.Reply;
import works.cast.relay.server.smtp.SessionInfo;
import works.cast.relay.server.smtp.SmtpServer;
import works.cast.relay.server.smtp.SmtpServerSettings;

/** {@code dkim-relay send} against the relay's own SMTP server on 127.0.0.1. */
class SendCommandTest {

    private static final String PASSWORD = "pa55-w0rd";

    private final LinkedBlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private final List<SmtpServer> servers = new ArrayList<>();

    record Received(Envelope envelope, String content) {
    }

    record Run(int exit, String out, String err) {
    }

    @AfterEach
    void stop() {
        servers.forEach(s -> s.stop(Duration.ofMillis(200)));
    }

    /** Accepts every message with {@code 250 2.0.0 Ok: queued as TESTID42} and keeps it. */
    private final MessageReceiver receiver = (SessionInfo session, Envelope envelope, Runnable resume) -> {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        return new MessageSink() {
            @Override
            public boolean write(ByteBuf chunk) {
                try {
                    byte[] b = new byte[chunk.readableBytes()];
                    chunk.readBytes(b);
                    content.writeBytes(b);
                    return true;
                } finally {
                    chunk.release();
                }
            }

            @Override
            public CompletionStage<Reply> finish() {
                received.add(new Received(envelope, content.toString(StandardCharsets.UTF_8)));
                return CompletableFuture.completedFuture(new Reply(250, "2.0.0", "Ok: queued as TESTID42"));
            }

            @Override
            public void abort(String reason) {
            }
        };
    };

    private static final Authenticator ONE_USER = new Authenticator() {
        @Override
        public CompletionStage<Optional<User>> authenticate(String username, String password) {
            boolean ok = username.equals("app") && password.equals(PASSWORD);
            return CompletableFuture.completedFuture(ok ? Optional.of(new User("app", Set.of("cast.works")))
                    : Optional.empty());
        }

        @Override
        public boolean hasUsers() {
            return true;
        }
    };

    private int start(SmtpServerSettings.TlsMode tls, List<String> networks) throws Exception {
        SelfSignedCertificate cert = new SelfSignedCertificate("relay.test");
        SmtpServerSettings settings = new SmtpServerSettings("relay.test",
                List.of(new SmtpServerSettings.Listener("127.0.0.1", 0, tls)),
                Optional.of(SslContextBuilder.forServer(cert.certificate(), cert.privateKey()).build()), false,
                NetworkAcl.parse(networks), true,
                SmtpServerSettings.Limits.defaults().withAuthFailures(Duration.ofMillis(10), 10, Duration.ofMinutes(1)),
                SmtpServerSettings.BareLfMode.REJECT);
        SmtpServer server = new SmtpServer(settings, receiver, ONE_USER);
        servers.add(server);
        server.start();
        return server.boundPorts().get(0);
    }

    private static Run send(String stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        SendCommand command = new SendCommand();
        command.stdin = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
        CommandLine cl = new CommandLine(command);
        cl.setExecutionExceptionHandler(new CliErrors());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private Received next() throws InterruptedException {
        Received r = received.poll(10, TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("no message arrived");
        }
        return r;
    }

    private static void assertNoSecret(Run r) {
        String plain = Base64.getEncoder().encodeToString(("\0app\0" + PASSWORD).getBytes(StandardCharsets.UTF_8));
        String login = Base64.getEncoder().encodeToString(PASSWORD.getBytes(StandardCharsets.UTF_8));
        for (String secret : List.of(PASSWORD, plain, login)) {
            assertFalse(r.out().contains(secret) || r.err().contains(secret), "secret printed:\n" + r.out() + r.err());
        }
    }

    @Test
    void plainSendPrintsTheDialogueAndTheQueueId() throws Exception {
        int port = start(SmtpServerSettings.TlsMode.NONE, List.of("127.0.0.0/8"));
        Run r = send("", "--server", "127.0.0.1:" + port, "--from", "a@cast.works", "--to", "b@example.com",
                "--subject", "hello", "--body", "one\n.two", "--helo", "client.test");
        assertEquals(0, r.exit(), r.out() + r.err());
        String out = r.out();
        assertTrue(out.startsWith("connecting to 127.0.0.1:" + port + "\n< 220 relay.test"), out);
        assertTrue(out.contains("> EHLO client.test\n< 250-relay.test"), out);
        assertTrue(out.contains("\n> MAIL FROM:<a@cast.works>\n< 250 "), out);
        assertTrue(out.contains("\n> RCPT TO:<b@example.com>\n< 250 "), out);
        assertTrue(out.contains("\n> DATA\n< 354 "), out);
        assertTrue(out.contains("\n> .\n< 250 2.0.0 Ok: queued as TESTID42\n"), out);
        assertTrue(out.contains("\n> QUIT\n< 221 "), out);
        assertTrue(out.endsWith("queued as TESTID42\n"), out);
        assertFalse(out.contains("one\n"), "the content is not printed");
        Received m = next();
        assertEquals("a@cast.works", m.envelope().reversePath());
        assertEquals(List.of("b@example.com"), m.envelope().recipients());
        assertTrue(m.content().contains("Subject: hello\r\n"), m.content());
        assertTrue(m.content().contains("\r\n\r\none\r\n.two\r\n"), m.content());
    }

    @Test
    void startTlsWithAuthReadsThePasswordFromStdin() throws Exception {
        int port = start(SmtpServerSettings.TlsMode.STARTTLS, List.of("192.0.2.0/24"));
        Run r = send(PASSWORD + "\n", "--server", "127.0.0.1:" + port, "--starttls", "--insecure", "--user", "app",
                "--from", "app@cast.works", "--to", "x@example.com,y@example.com", "--helo", "client.test");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("\n> STARTTLS\n< 220 "), r.out());
        assertTrue(r.out().contains("\n  TLS TLSv1."), r.out());
        assertTrue(r.out().contains("-AUTH PLAIN LOGIN\n") || r.out().contains(" AUTH PLAIN LOGIN\n"), r.out());
        assertTrue(r.out().contains("  authenticated (AUTH "), r.out());
        assertTrue(r.out().contains("> RCPT TO:<y@example.com>"), r.out());
        assertNoSecret(r);
        assertEquals(List.of("x@example.com", "y@example.com"), next().envelope().recipients());
    }

    @Test
    void implicitTls() throws Exception {
        int port = start(SmtpServerSettings.TlsMode.IMPLICIT, List.of("127.0.0.0/8"));
        Run r = send("", "--server", "127.0.0.1:" + port, "--ssl", "--insecure", "--from", "a@cast.works",
                "--to", "b@example.com", "--helo", "client.test");
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("(implicit TLS)\n< 220 relay.test"), r.out());
        assertTrue(r.out().contains("  TLS TLSv1."), r.out());
        next();
    }

    @Test
    void aWrongPasswordExitsNonZeroWithTheServerReply() throws Exception {
        int port = start(SmtpServerSettings.TlsMode.STARTTLS, List.of("192.0.2.0/24"));
        Run r = send("wrong\n", "--server", "127.0.0.1:" + port, "--starttls", "--insecure", "--user", "app",
                "--from", "app@cast.works", "--to", "b@example.com", "--helo", "client.test");
        assertEquals(1, r.exit(), r.out());
        assertTrue(r.err().startsWith("dkim-relay send: authentication failed: 535 "), r.err());
    }

    @Test
    void aRefusedSenderExitsNonZeroWithTheServerReply() throws Exception {
        int port = start(SmtpServerSettings.TlsMode.NONE, List.of("192.0.2.0/24"));
        Run r = send("", "--server", "127.0.0.1:" + port, "--from", "a@cast.works", "--to", "b@example.com",
                "--helo", "client.test");
        assertEquals(1, r.exit(), r.out());
        assertTrue(r.err().matches("dkim-relay send: refused: 5\\d\\d .*\\n"), r.err());
        assertTrue(received.isEmpty());
    }

    @Test
    void aSelfSignedCertificateIsRefusedWithoutInsecure() throws Exception {
        int port = start(SmtpServerSettings.TlsMode.STARTTLS, List.of("127.0.0.0/8"));
        Run r = send("", "--server", "127.0.0.1:" + port, "--starttls", "--from", "a@cast.works",
                "--to", "b@example.com", "--helo", "client.test");
        assertEquals(1, r.exit(), r.out());
        assertTrue(r.err().startsWith("dkim-relay send: TLS with 127.0.0.1:" + port + " failed: "), r.err());
        assertTrue(r.err().contains("--insecure"), r.err());
    }

    @Test
    void nothingListeningAndMissingPassword() {
        Run r = send("", "--server", "127.0.0.1:1", "--from", "a@cast.works", "--to", "b@example.com");
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("dkim-relay send: cannot connect to 127.0.0.1:1: "), r.err());
        Run noPassword = send("", "--server", "127.0.0.1:1", "--user", "app", "--from", "a@cast.works",
                "--to", "b@example.com");
        assertEquals("dkim-relay send: --user app: no password on standard input\n", noPassword.err());
        Run both = send("", "--starttls", "--ssl", "--from", "a@cast.works", "--to", "b@example.com");
        assertEquals(2, both.exit());
    }

    @Test
    void serverAddresses() {
        assertEquals(new SendCommand.HostPort("relay.cast.works", 587), SendCommand.HostPort.parse("relay.cast.works", 587));
        assertEquals(new SendCommand.HostPort("::1", 2525), SendCommand.HostPort.parse("[::1]:2525", 587));
        assertEquals(new SendCommand.HostPort("::1", 465), SendCommand.HostPort.parse("[::1]", 465));
        assertEquals("[::1]:2525", SendCommand.HostPort.parse("[::1]:2525", 587).toString());
        assertEquals(new SendCommand.HostPort("127.0.0.1", 25), SendCommand.HostPort.parse("127.0.0.1:25", 587));
    }
}
