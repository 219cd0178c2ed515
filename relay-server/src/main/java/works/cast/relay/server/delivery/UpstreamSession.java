package works.cast.relay.server.delivery;

import io.netty.bootstrap.Bootstrap;
import io.netty.handler.codec.smtp.DefaultSmtpRequest;
import io.netty.handler.codec.smtp.SmtpCommand;
import java.net.InetSocketAddress;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import works.cast.relay.server.delivery.tls.PeerVerifier;
import works.cast.relay.server.message.DeliveryResult;
import works.cast.relay.server.message.Reply;

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
    private Extensions extensions = Extensions.none();
    private volatile State state = State.BUSY;
    private boolean used;
    private boolean needsReset;
    private int transactions;

    private UpstreamSession(UpstreamConnection conn, UpstreamSettings settings, Executor io, String host) {
        this.conn = conn;
        this.settings = settings;
        this.io = io;
        this.host = host;
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
            if (conn.channel().localAddress() instanceof InetSocketAddress local) {
                verifier.connected(local);
            }
            UpstreamSession s = new UpstreamSession(conn, settings, io, host);
            return new UpstreamHandshake(conn, settings, host, address.getPort(), verifier).run().handle((x, e) -> {
                if (e != null) {
                    UpstreamException u = UpstreamException.of(e, peer);
                    conn.fail(u);
                    throw new CompletionException(u);
                }
                s.extensions = x;
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
                        results.putIfAbsent(r, new DeliveryResult.Deferred(u.reply(), Optional.of(host)));
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

    /** Starts the message's transaction, unless the server cannot take it as it is (a local refusal). */
    private CompletableFuture<Void> transaction(OutboundMessage m, Map<String, DeliveryResult> results) {
        Reply refusal = UpstreamTransaction.precheck(m, extensions, offersRequireTls(), peer());
        if (refusal != null) {
            m.recipients().forEach(r -> results.put(r, new DeliveryResult.Failed(refusal, Optional.of(host))));
            return CompletableFuture.completedFuture(null);
        }
        transactions++;
        boolean reset = used;
        used = true;
        UpstreamTransaction tx = new UpstreamTransaction(conn, settings, io, host, extensions, offersRequireTls(), m,
                results);
        return tx.run(reset).whenComplete((v, e) -> {
            needsReset = tx.needsReset();
            if (tx.serverClosing()) {
                state = State.BROKEN;
            }
        });
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
            conn.command(new DefaultSmtpRequest(SmtpCommand.QUIT), settings.commandTimeout(), "QUIT")
                    .whenComplete((r, e) -> conn.close());
        });
        return closed;
    }
}
