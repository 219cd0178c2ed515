package works.cast.relay.server.delivery;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.smtp.DefaultLastSmtpContent;
import io.netty.handler.codec.smtp.DefaultSmtpRequest;
import io.netty.handler.codec.smtp.SmtpCommand;
import io.netty.util.AsciiString;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import works.cast.relay.core.mail.TlsRequirement;
import works.cast.relay.server.config.OutboundTls;
import works.cast.relay.server.delivery.tls.PeerVerifier;
import works.cast.relay.server.delivery.tls.TlsFailure;
import works.cast.relay.server.smtp.Replies;
import works.cast.relay.server.smtp.Reply;

/**
 * One SMTP client session with an upstream server (RFC 5321 section 3, RFC 2920 pipelining, RFC 3207 STARTTLS,
 * RFC 4954 AUTH), reusable for several messages:
 * <pre>
 * S: 220 mx.example.net ESMTP          C: EHLO relay.cast.works
 * S: 250-mx.example.net / 250 STARTTLS C: STARTTLS, TLS handshake, EHLO again, AUTH PLAIN
 * C: MAIL FROM:&lt;a@cast.works&gt; SIZE=1234, RCPT TO:&lt;b@example.net&gt;, DATA  (together with PIPELINING)
 * S: 250, 250, 354                      C: dot-stuffed content, .CRLF
 * S: 250 2.0.0 Ok: queued               (next message: RSET first; at the end QUIT)
 * </pre>
 * {@link #open} and {@link #send} may be called from any thread; a session runs one transaction at a time.
 */
public final class UpstreamSession {

    private static final Logger log = LoggerFactory.getLogger(UpstreamSession.class);

    private enum State { READY, BUSY, BROKEN, CLOSED }

    private final UpstreamConnection conn;
    private final UpstreamSettings settings;
    private final Executor io;
    private final String host;
    private final int port;
    private final PeerVerifier verifier;
    private Extensions extensions = Extensions.none();
    private volatile State state = State.BUSY;
    private boolean used;
    private boolean needsReset;
    private int transactions;

    private UpstreamSession(UpstreamConnection conn, UpstreamSettings settings, Executor io, String host, int port,
                            PeerVerifier verifier) {
        this.conn = conn;
        this.verifier = verifier;
        this.settings = settings;
        this.io = io;
        this.host = host;
        this.port = port;
    }

    /**
     * Connects to {@code address}, reads the greeting, says EHLO (HELO when refused), starts TLS and authenticates as
     * the settings say. Fails with an {@link UpstreamException}.
     *
     * @param host the server's name, for certificate verification and logs
     * @param io   an executor for blocking reads of message content
     */
    public static CompletableFuture<UpstreamSession> open(Bootstrap bootstrap, InetSocketAddress address, String host,
                                                          UpstreamSettings settings, Executor io) {
        return open(bootstrap, address, host, settings, io, PeerVerifier.NONE);
    }

    /**
     * As {@link #open(Bootstrap, InetSocketAddress, String, UpstreamSettings, Executor)}, with {@code verifier}
     * judging the server's certificates right after the TLS handshake (MTA-STS, DANE): a failure closes the session
     * before EHLO is sent again.
     */
    public static CompletableFuture<UpstreamSession> open(Bootstrap bootstrap, InetSocketAddress address, String host,
                                                          UpstreamSettings settings, Executor io,
                                                          PeerVerifier verifier) {
        String peer = host + "[" + address.getAddress().getHostAddress() + "]:" + address.getPort();
        return UpstreamConnection.connect(bootstrap, address, peer, settings.connectTimeout()).thenCompose(conn -> {
            UpstreamSession s = new UpstreamSession(conn, settings, io, host, address.getPort(), verifier);
            return s.handshake().handle((v, e) -> {
                if (e != null) {
                    UpstreamException u = UpstreamException.of(e, peer);
                    conn.fail(u);
                    throw new CompletionException(u);
                }
                s.state = State.READY;
                log.debug("upstream ready peer={} tls={} extensions={}", peer, conn.isEncrypted(), s.extensions);
                return s;
            });
        });
    }

    public String peer() {
        return conn.peer();
    }

    /** What the server offered in its last EHLO reply. */
    public Extensions extensions() {
        return extensions;
    }

    public boolean isEncrypted() {
        return conn.isEncrypted();
    }

    /** The server offered REQUIRETLS in its EHLO reply after TLS started (RFC 8689 section 4.2.1). */
    public boolean offersRequireTls() {
        return conn.isEncrypted() && extensions.requireTls();
    }

    /** The negotiated TLS version ({@code TLSv1.3}), or {@code none} in plaintext. */
    public String tlsProtocol() {
        io.netty.handler.ssl.SslHandler ssl = conn.channel().pipeline().get(io.netty.handler.ssl.SslHandler.class);
        return ssl == null ? "none" : ssl.engine().getSession().getProtocol();
    }

    /** True when idle and still connected, so the next message can use it. */
    public boolean isReusable() {
        return state == State.READY && conn.isOpen();
    }

    public int transactions() {
        return transactions;
    }

    private CompletableFuture<Reply> command(Object request, String step) {
        CompletableFuture<Reply> r = conn.send(request, settings.commandTimeout(), step);
        conn.flush();
        return r;
    }

    private CompletableFuture<Void> handshake() {
        return conn.expect(settings.commandTimeout(), "greeting").thenCompose(greeting -> {
            if (greeting.code() != 220) {
                return CompletableFuture.failedFuture(UpstreamException.refused(peer(), "the session", greeting));
            }
            return ehlo();
        }).thenCompose(v -> startTls()).thenCompose(v -> authenticate());
    }

    private CompletableFuture<Void> ehlo() {
        return command(new DefaultSmtpRequest(SmtpCommand.EHLO, settings.heloName()), "EHLO").thenCompose(r -> {
            if (r.code() == 250) {
                extensions = Extensions.parse(r);
                return CompletableFuture.completedFuture(null);
            }
            if (!r.isPermanent()) {
                return CompletableFuture.failedFuture(UpstreamException.refused(peer(), "EHLO", r));
            }
            return command(new DefaultSmtpRequest(SmtpCommand.HELO, settings.heloName()), "HELO").thenCompose(h -> {
                if (h.code() != 250) {
                    return CompletableFuture.failedFuture(UpstreamException.refused(peer(), "HELO", h));
                }
                extensions = Extensions.none();
                return CompletableFuture.completedFuture(null);
            });
        });
    }

    private CompletableFuture<Void> startTls() {
        OutboundTls policy = settings.tls();
        if (policy == OutboundTls.NONE || conn.isEncrypted()) {
            return CompletableFuture.completedFuture(null);
        }
        if (!extensions.startTls()) {
            return policy == OutboundTls.REQUIRED
                    ? CompletableFuture.failedFuture(UpstreamException.tls(peer(), "STARTTLS not offered", null))
                    : CompletableFuture.completedFuture(null);
        }
        return command(new DefaultSmtpRequest(SmtpCommand.valueOf("STARTTLS")), "STARTTLS").thenCompose(r -> {
            if (r.code() != 220) {
                return policy == OutboundTls.REQUIRED
                        ? CompletableFuture.failedFuture(UpstreamException.refused(peer(), "STARTTLS", r))
                        : CompletableFuture.completedFuture(null);
            }
            return conn.startTls(settings.sslContext().orElseThrow(), host, port).thenCompose(v -> verifyPeer())
                    .thenCompose(v -> ehlo());
        });
    }

    private CompletableFuture<Void> verifyPeer() {
        TlsFailure f = verifier.verify(host, conn.channel().pipeline().get(io.netty.handler.ssl.SslHandler.class)
                .engine().getSession());
        return f == null ? CompletableFuture.completedFuture(null)
                : CompletableFuture.failedFuture(UpstreamException.tls(peer(), f.toString(), null));
    }

    private CompletableFuture<Void> authenticate() {
        if (settings.credentials().isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        UpstreamSettings.Credentials c = settings.credentials().get();
        if (!conn.isEncrypted() && !settings.allowPlaintextAuth()) {
            return CompletableFuture.failedFuture(UpstreamException.tls(peer(), "AUTH needs TLS; credentials not sent"
                    + " in clear", null));
        }
        SmtpCommand auth = SmtpCommand.valueOf("AUTH");
        if (extensions.authMechanisms().contains("PLAIN")) {
            String token = base64("\0" + c.user() + "\0" + c.password());
            return command(new DefaultSmtpRequest(auth, "PLAIN", token), "AUTH PLAIN").thenCompose(this::authenticated);
        }
        if (extensions.authMechanisms().contains("LOGIN")) {
            return command(new DefaultSmtpRequest(auth, "LOGIN"), "AUTH LOGIN").thenCompose(r -> r.code() != 334
                    ? authenticated(r)
                    : command(new DefaultSmtpRequest(SmtpCommand.EMPTY, base64(c.user())), "AUTH LOGIN user")
                    .thenCompose(u -> u.code() != 334 ? authenticated(u)
                            : command(new DefaultSmtpRequest(SmtpCommand.EMPTY, base64(c.password())),
                                    "AUTH LOGIN password").thenCompose(this::authenticated)));
        }
        return CompletableFuture.failedFuture(UpstreamException.refused(peer(), "AUTH",
                Replies.upstreamWithoutAuth(peer())));
    }

    private CompletableFuture<Void> authenticated(Reply r) {
        return r.code() == 235 ? CompletableFuture.completedFuture(null)
                : CompletableFuture.failedFuture(UpstreamException.refused(peer(), "AUTH", r));
    }

    private static String base64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Sends one message; completes with one result per recipient. A connection failure, timeout or protocol error
     * defers every recipient without a result yet and breaks the session. Completes exceptionally only with a
     * {@link StaleSessionException}, when the session was found closed before anything was written: then the
     * message may go on another session ({@link StaleSessions#send}).
     */
    public CompletableFuture<Map<String, DeliveryResult>> send(OutboundMessage message) {
        CompletableFuture<Map<String, DeliveryResult>> result = new CompletableFuture<>();
        conn.channel().eventLoop().execute(() -> {
            Map<String, DeliveryResult> results = new LinkedHashMap<>();
            CompletableFuture<Void> done;
            if (state == State.READY && !conn.isOpen()) {
                // Closed or failed while it sat idle in the pool (a hang-up, a stray reply read in the same
                // batch as the last one): nothing of this message was written, so the caller takes another.
                state = State.BROKEN;
                result.completeExceptionally(new StaleSessionException(peer()));
                return;
            }
            try {
                if (state != State.READY) {
                    throw new IllegalStateException("upstream session " + peer() + " is " + state);
                }
                state = State.BUSY;
                done = transaction(message, results);
            } catch (RuntimeException e) {
                done = CompletableFuture.failedFuture(e);
            }
            done.whenComplete((v, e) -> {
                if (e != null) {
                    UpstreamException u = UpstreamException.of(e, peer());
                    log.info("upstream failed id={} peer={} error=\"{}\"", message.id(), peer(), u.getMessage());
                    conn.fail(u);
                    for (String r : message.recipients()) {
                        results.putIfAbsent(r, new DeliveryResult.Deferred(u.reply()));
                    }
                }
                if (state == State.BUSY) {
                    state = conn.isOpen() ? State.READY : State.BROKEN;
                }
                result.complete(Collections.unmodifiableMap(results));
            });
        });
        return result;
    }

    /** Thrown by {@link #send} when the session had closed while idle; nothing of the message reached the peer. */
    static final class StaleSessionException extends RuntimeException {
        StaleSessionException(String peer) {
            super("upstream session " + peer + " closed while idle", null, false, false);
        }
    }

    /** A local refusal when the server cannot take the message as it is (nothing is rewritten), or null. */
    private Reply precheck(OutboundMessage m) {
        if (m.smtpUtf8() && !extensions.smtpUtf8()) {
            return Replies.upstreamWithoutSmtpUtf8(peer());
        }
        if (m.eightBit() && !extensions.eightBitMime()) {
            return Replies.upstreamWithout8BitMime(peer());
        }
        if (m.requiresTls() && !offersRequireTls()) {
            // Backstop: the forwarders pick a session that satisfies REQUIRETLS before they get here.
            return Replies.requireTlsNotOffered(peer());
        }
        if (extensions.size() && extensions.maxSize() > 0 && m.size() > extensions.maxSize()) {
            return Replies.upstreamSizeExceeded(m.size(), peer(), extensions.maxSize());
        }
        return null;
    }

    private CompletableFuture<Void> transaction(OutboundMessage m, Map<String, DeliveryResult> results) {
        Reply refusal = precheck(m);
        if (refusal != null) {
            m.recipients().forEach(r -> results.put(r, new DeliveryResult.Failed(refusal)));
            return CompletableFuture.completedFuture(null);
        }
        transactions++;
        boolean reset = used;
        used = true;
        List<CharSequence> mail = new ArrayList<>();
        mail.add(utf8("FROM:<" + m.reversePath() + ">"));
        if (extensions.size()) {
            mail.add("SIZE=" + m.size());
        }
        if (m.eightBit()) {
            mail.add("BODY=8BITMIME");
        }
        if (m.smtpUtf8()) {
            mail.add("SMTPUTF8");
        }
        if (m.tls() == TlsRequirement.REQUIRED && offersRequireTls()) {
            mail.add("REQUIRETLS"); // RFC 8689 section 4.2.1; also a DSN of such a message, where offered (section 5)
        }
        DefaultSmtpRequest mailRequest = new DefaultSmtpRequest(SmtpCommand.MAIL, mail.toArray(new CharSequence[0]));
        List<String> accepted = new ArrayList<>();
        if (extensions.pipelining()) {
            CompletableFuture<Reply> rset = reset ? conn.send(new DefaultSmtpRequest(SmtpCommand.RSET),
                    settings.commandTimeout(), "RSET") : CompletableFuture.completedFuture(null);
            needsReset = false;
            CompletableFuture<Reply> mailReply = conn.send(mailRequest, settings.commandTimeout(), "MAIL");
            List<CompletableFuture<Reply>> rcpts = new ArrayList<>();
            for (String r : m.recipients()) {
                rcpts.add(conn.send(rcpt(r), settings.commandTimeout(), "RCPT"));
            }
            CompletableFuture<Reply> data = conn.send(new DefaultSmtpRequest(SmtpCommand.DATA),
                    settings.commandTimeout(), "DATA");
            needsReset = true;
            conn.flush();
            return data.thenCompose(d -> {
                checkReset(rset.join());
                Reply mailed = completion("MAIL", mailReply.join());
                for (int i = 0; i < rcpts.size(); i++) {
                    String r = m.recipients().get(i);
                    Reply reply = mailed.code() / 100 == 2 ? completion("RCPT", rcpts.get(i).join()) : mailed;
                    recipient(r, reply, accepted, results);
                }
                return afterData(d, m, accepted, results);
            });
        }
        CompletableFuture<Reply> start = reset ? command(new DefaultSmtpRequest(SmtpCommand.RSET), "RSET")
                : CompletableFuture.completedFuture(null);
        return start.thenCompose(rset -> {
            checkReset(rset);
            needsReset = false;
            return command(mailRequest, "MAIL");
        }).thenApply(mailed -> completion("MAIL", mailed)).thenCompose(mailed -> {
            if (mailed.code() / 100 != 2) {
                m.recipients().forEach(r -> results.put(r, result(mailed)));
                return CompletableFuture.completedFuture(null);
            }
            CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
            for (String r : m.recipients()) {
                chain = chain.thenCompose(v -> command(rcpt(r), "RCPT"))
                        .thenAccept(reply -> recipient(r, completion("RCPT", reply), accepted, results));
            }
            return chain.thenCompose(v -> {
                if (accepted.isEmpty()) {
                    return CompletableFuture.completedFuture(null);
                }
                needsReset = true;
                return command(new DefaultSmtpRequest(SmtpCommand.DATA), "DATA")
                        .thenCompose(d -> afterData(d, m, accepted, results));
            });
        });
    }

    private void checkReset(Reply rset) {
        if (rset != null && rset.code() != 250) {
            throw new CompletionException(UpstreamException.refused(peer(), "RSET", rset));
        }
    }

    /**
     * A reply to MAIL, RCPT or the end of data as it may be: 2xx done, 4xx or 5xx refused. Anything else (a 3xx, which
     * Postfix's client also refuses to read as success) is a protocol error that defers the attempt.
     */
    private Reply completion(String step, Reply reply) {
        if (reply.code() / 100 == 3) {
            throw new CompletionException(UpstreamException.protocol(peer(),
                    new IllegalStateException(step + " answered " + reply.summary())));
        }
        return reply;
    }

    private static void recipient(String r, Reply reply, List<String> accepted, Map<String, DeliveryResult> results) {
        if (reply.code() / 100 == 2) {
            accepted.add(r);
        } else {
            results.put(r, result(reply));
        }
    }

    private CompletableFuture<Void> afterData(Reply data, OutboundMessage m, List<String> accepted,
                                              Map<String, DeliveryResult> results) {
        if (data.code() != 354) {
            if (data.isPositive()) {
                throw new CompletionException(UpstreamException.protocol(peer(),
                        new IllegalStateException("DATA answered " + data.summary())));
            }
            accepted.forEach(r -> results.put(r, result(data)));
            return CompletableFuture.completedFuture(null);
        }
        needsReset = false;
        if (accepted.isEmpty()) {
            // RFC 2920 section 3.1: DATA accepted without recipients; end it at once and ignore the reply.
            CompletableFuture<Reply> end = conn.expect(settings.dataTimeout(), "reply to empty data");
            conn.channel().writeAndFlush(new DefaultLastSmtpContent(Unpooled.EMPTY_BUFFER));
            return end.thenAccept(r -> { });
        }
        CompletableFuture<Reply> finalReply = conn.expect(null, "message content");
        ContentPump pump = new ContentPump(conn, m.content(), io, finalReply, settings.commandTimeout(),
                settings.dataTimeout());
        pump.start();
        return finalReply.thenAccept(reply -> {
            if (!pump.completed()) {
                // RFC 5321 section 4.1.1.4: the reply comes after the final dot; one before it says nothing about
                // the message, and applying it could drop a message the server never received.
                throw new CompletionException(UpstreamException.protocol(peer(), new IllegalStateException(
                        "reply before the end of data: " + reply.summary())));
            }
            completion("end of data", reply);
            if (reply.code() == 421) {
                state = State.BROKEN;
            }
            accepted.forEach(r -> results.put(r, result(reply)));
            log.debug("upstream data id={} peer={} reply=\"{}\"", m.id(), peer(), reply.summary());
        });
    }

    private static DefaultSmtpRequest rcpt(String recipient) {
        return new DefaultSmtpRequest(SmtpCommand.RCPT, utf8("TO:<" + recipient + ">"));
    }

    /** Netty writes parameters as ASCII; an AsciiString of UTF-8 bytes passes SMTPUTF8 addresses through unchanged. */
    private static CharSequence utf8(String s) {
        return new AsciiString(s.getBytes(StandardCharsets.UTF_8), false);
    }

    /** The outcome of a 2xx, 4xx or 5xx reply (3xx replies never get here, see {@link #completion}). */
    static DeliveryResult result(Reply reply) {
        if (reply.code() / 100 == 2) {
            return new DeliveryResult.Delivered(reply);
        }
        return reply.isTransient() ? new DeliveryResult.Deferred(reply) : new DeliveryResult.Failed(reply);
    }

    /** Says QUIT (after RSET when a DATA was refused) and closes; completes when closed. Idempotent. */
    public CompletableFuture<Void> quit() {
        CompletableFuture<Void> closed = new CompletableFuture<>();
        conn.channel().closeFuture().addListener(f -> closed.complete(null));
        conn.channel().eventLoop().execute(() -> {
            if (state == State.CLOSED) {
                return;
            }
            boolean open = conn.isOpen() && state == State.READY;
            state = State.CLOSED;
            if (!open) {
                conn.close();
                return;
            }
            if (needsReset) {
                conn.send(new DefaultSmtpRequest(SmtpCommand.RSET), settings.commandTimeout(), "RSET");
            }
            command(new DefaultSmtpRequest(SmtpCommand.QUIT), "QUIT").whenComplete((r, e) -> conn.close());
        });
        return closed;
    }
}
