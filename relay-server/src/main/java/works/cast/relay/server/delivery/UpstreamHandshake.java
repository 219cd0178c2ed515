package works.cast.relay.server.delivery;

import io.netty.handler.codec.smtp.DefaultSmtpRequest;
import io.netty.handler.codec.smtp.SmtpCommand;
import io.netty.handler.ssl.SslHandler;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import works.cast.relay.server.config.OutboundTls;
import works.cast.relay.server.delivery.tls.PeerVerifier;
import works.cast.relay.server.delivery.tls.TlsFailure;
import works.cast.relay.server.message.Reply;
import works.cast.relay.server.smtp.Replies;

/**
 * The opening of an upstream SMTP session, once per connection: the greeting, EHLO (HELO when EHLO is refused for
 * good, RFC 5321 section 4.1.1.1), STARTTLS as the settings ask (RFC 3207) with the certificate judged by the
 * {@link PeerVerifier} before EHLO is said again, and AUTH PLAIN or LOGIN (RFC 4954, never in clear unless allowed).
 * Runs on the connection's event loop; fails with an {@link UpstreamException}.
 */
final class UpstreamHandshake {

    private final UpstreamConnection conn;
    private final UpstreamSettings settings;
    private final String host;
    private final int port;
    private final PeerVerifier verifier;
    private Extensions extensions = Extensions.none();

    /**
     * @param host the server's name, for certificate verification
     * @param port the server's port, for the TLS engine
     */
    UpstreamHandshake(UpstreamConnection conn, UpstreamSettings settings, String host, int port,
                      PeerVerifier verifier) {
        this.conn = conn;
        this.settings = settings;
        this.host = host;
        this.port = port;
        this.verifier = verifier;
    }

    /** Runs the handshake; completes with what the server offered in its last EHLO reply. */
    CompletableFuture<Extensions> run() {
        return conn.expect(settings.commandTimeout(), "greeting").thenCompose(greeting -> {
            verifier.greeted(name(greeting));
            if (greeting.code() != 220) {
                return CompletableFuture.failedFuture(UpstreamException.refused(peer(), "the session", greeting));
            }
            return ehlo();
        }).thenCompose(v -> startTls()).thenCompose(v -> authenticate()).thenApply(v -> extensions);
    }

    /** The first word of a greeting or EHLO reply: the name the server gives itself (RFC 5321 section 4.2). */
    private static String name(Reply r) {
        String first = r.lines().get(0).strip();
        int space = first.indexOf(' ');
        return space < 0 ? first : first.substring(0, space);
    }

    private String peer() {
        return conn.peer();
    }

    private CompletableFuture<Reply> command(Object request, String step) {
        return conn.command(request, settings.commandTimeout(), step);
    }

    private CompletableFuture<Void> ehlo() {
        return command(new DefaultSmtpRequest(SmtpCommand.EHLO, settings.heloName()), "EHLO").thenCompose(r -> {
            if (r.code() == 250) {
                verifier.greeted(name(r));
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
                verifier.greeted(name(h));
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
        TlsFailure f = verifier.verify(host, conn.channel().pipeline().get(SslHandler.class).engine().getSession());
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
}
