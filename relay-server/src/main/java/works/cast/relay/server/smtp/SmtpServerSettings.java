package works.cast.relay.server.smtp;

import io.netty.handler.ssl.SslContext;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything the SMTP submission server needs (RFC 5321, RFC 3207, RFC 4954), immutable and validated.
 *
 * @param hostname          the name in the greeting and EHLO reply
 * @param listeners         the sockets to bind, at least one
 * @param sslContext        server TLS context; required when a listener uses STARTTLS or implicit TLS
 * @param proxyProtocol     whether every connection starts with a PROXY v1/v2 header (HAProxy)
 * @param allowedNetworks   clients that may submit without AUTH
 * @param requireTlsForAuth whether AUTH is offered and accepted only over TLS
 * @param limits            sizes, counts and timeouts
 * @param bareLf            what DATA does with a bare LF
 * @param trustedProxies    with {@code proxyProtocol}, the peers whose PROXY header is believed; others are closed
 */
public record SmtpServerSettings(String hostname, List<Listener> listeners, Optional<SslContext> sslContext,
                                 boolean proxyProtocol, NetworkAcl allowedNetworks, boolean requireTlsForAuth,
                                 Limits limits, BareLfMode bareLf, NetworkAcl trustedProxies) {

    /** Settings whose PROXY headers, if expected, are believed from loopback peers only. */
    public SmtpServerSettings(String hostname, List<Listener> listeners, Optional<SslContext> sslContext,
                              boolean proxyProtocol, NetworkAcl allowedNetworks, boolean requireTlsForAuth,
                              Limits limits, BareLfMode bareLf) {
        this(hostname, listeners, sslContext, proxyProtocol, allowedNetworks, requireTlsForAuth, limits, bareLf,
                NetworkAcl.parse(List.of("127.0.0.0/8", "::1/128")));
    }

    /** How a listener uses TLS. */
    public enum TlsMode { NONE, STARTTLS, IMPLICIT }

    /** What a bare LF in DATA means: rejected with 550, or taken as a line end (never as an end of data). */
    public enum BareLfMode { REJECT, NORMALIZE }

    /**
     * One listening socket.
     *
     * @param address the local address to bind, such as {@code 127.0.0.1} or {@code ::}
     * @param port    the port, 0 for an ephemeral one
     * @param tls     the TLS mode
     */
    public record Listener(String address, int port, TlsMode tls) {
        public Listener {
            Objects.requireNonNull(address, "listener address");
            Objects.requireNonNull(tls, "listener tls");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("listener " + address + ": port out of range: " + port);
            }
        }
    }

    /**
     * Limits of one server.
     *
     * @param messageSize      maximum message size in bytes (SIZE, RFC 1870)
     * @param recipients       maximum RCPT TO per message
     * @param connections      maximum concurrent connections
     * @param connectionsPerIp maximum concurrent connections from one client address
     * @param commandTimeout   idle time allowed while waiting for a command
     * @param dataTimeout      idle time allowed while reading DATA
     * @param maxErrors        bad commands before the connection is closed
     * @param authFailureDelay delay before a failed AUTH is answered
     * @param authFailures     failed AUTH attempts from one client address within {@code authFailureWindow}
     *                         after which its connections are closed
     * @param authFailureWindow the window over which failures are counted
     * @param junkCommands     NOOP, RSET, VRFY, HELP, HELO and EHLO allowed between two accepted messages (and
     *                         before the first); one more gets 421 and the connection closes
     * @param proxyHeaderTimeout how long a new connection may take to send its PROXY header
     */
    public record Limits(long messageSize, int recipients, int connections, int connectionsPerIp,
                         Duration commandTimeout, Duration dataTimeout, int maxErrors, Duration authFailureDelay,
                         int authFailures, Duration authFailureWindow, int junkCommands,
                         Duration proxyHeaderTimeout) {
        public Limits {
            if (messageSize <= 0) {
                throw new IllegalArgumentException("limits: message size must be positive: " + messageSize);
            }
            positive("recipients", recipients);
            positive("connections", connections);
            positive("connections per ip", connectionsPerIp);
            positive("max errors", maxErrors);
            positive("auth failures", authFailures);
            positive("junk commands", junkCommands);
            positive("command timeout", commandTimeout);
            positive("data timeout", dataTimeout);
            positive("auth failure window", authFailureWindow);
            positive("proxy header timeout", proxyHeaderTimeout);
            Objects.requireNonNull(authFailureDelay, "authFailureDelay");
            if (authFailureDelay.isNegative()) {
                throw new IllegalArgumentException("limits: auth failure delay is negative");
            }
        }

        /**
         * The defaults of the reference configuration: 25 MiB, 100 recipients, 500/50 connections, 5m/10m,
         * 100 junk commands (Postfix smtpd_junk_command_limit), 5s for the PROXY header
         * (Postfix smtpd_upstream_proxy_timeout).
         */
        public static Limits defaults() {
            return new Limits(25L * 1024 * 1024, 100, 500, 50, Duration.ofMinutes(5), Duration.ofMinutes(10), 20,
                    Duration.ofSeconds(2), 10, Duration.ofMinutes(15), 100, Duration.ofSeconds(5));
        }

        public Limits withMessageSize(long bytes) {
            return new Limits(bytes, recipients, connections, connectionsPerIp, commandTimeout, dataTimeout,
                    maxErrors, authFailureDelay, authFailures, authFailureWindow, junkCommands, proxyHeaderTimeout);
        }

        public Limits withRecipients(int max) {
            return new Limits(messageSize, max, connections, connectionsPerIp, commandTimeout, dataTimeout,
                    maxErrors, authFailureDelay, authFailures, authFailureWindow, junkCommands, proxyHeaderTimeout);
        }

        public Limits withConnections(int total, int perIp) {
            return new Limits(messageSize, recipients, total, perIp, commandTimeout, dataTimeout,
                    maxErrors, authFailureDelay, authFailures, authFailureWindow, junkCommands, proxyHeaderTimeout);
        }

        public Limits withTimeouts(Duration command, Duration data) {
            return new Limits(messageSize, recipients, connections, connectionsPerIp, command, data,
                    maxErrors, authFailureDelay, authFailures, authFailureWindow, junkCommands, proxyHeaderTimeout);
        }

        public Limits withAuthFailures(Duration delay, int failures, Duration window) {
            return new Limits(messageSize, recipients, connections, connectionsPerIp, commandTimeout, dataTimeout,
                    maxErrors, delay, failures, window, junkCommands, proxyHeaderTimeout);
        }

        public Limits withJunkCommands(int max) {
            return new Limits(messageSize, recipients, connections, connectionsPerIp, commandTimeout, dataTimeout,
                    maxErrors, authFailureDelay, authFailures, authFailureWindow, max, proxyHeaderTimeout);
        }

        public Limits withProxyHeaderTimeout(Duration timeout) {
            return new Limits(messageSize, recipients, connections, connectionsPerIp, commandTimeout, dataTimeout,
                    maxErrors, authFailureDelay, authFailures, authFailureWindow, junkCommands, timeout);
        }

        private static void positive(String name, int value) {
            if (value <= 0) {
                throw new IllegalArgumentException("limits: " + name + " must be positive: " + value);
            }
        }

        private static void positive(String name, Duration value) {
            Objects.requireNonNull(value, name);
            if (value.isZero() || value.isNegative()) {
                throw new IllegalArgumentException("limits: " + name + " must be positive: " + value);
            }
        }
    }

    public SmtpServerSettings {
        Objects.requireNonNull(hostname, "hostname");
        if (hostname.isBlank()) {
            throw new IllegalArgumentException("smtp: hostname is blank");
        }
        listeners = List.copyOf(listeners);
        if (listeners.isEmpty()) {
            throw new IllegalArgumentException("smtp: no listeners");
        }
        Objects.requireNonNull(sslContext, "sslContext");
        Objects.requireNonNull(allowedNetworks, "allowedNetworks");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(bareLf, "bareLf");
        for (Listener l : listeners) {
            if (l.tls() != TlsMode.NONE && sslContext.isEmpty()) {
                throw new IllegalArgumentException(
                        "listener " + l.address() + ":" + l.port() + ": tls " + l.tls() + " needs a certificate");
            }
            if (sslContext.isPresent() && sslContext.get().isClient()) {
                throw new IllegalArgumentException("smtp: the TLS context is a client context");
            }
        }
    }

    /** Plain settings for one listener: no TLS, no PROXY, AUTH allowed in clear, default limits, bare LF rejected. */
    public static SmtpServerSettings of(String hostname, Listener listener, List<String> allowedNetworks) {
        return new SmtpServerSettings(hostname, List.of(listener), Optional.empty(), false,
                NetworkAcl.parse(allowedNetworks), false, Limits.defaults(), BareLfMode.REJECT);
    }

    /** The same settings with other networks and TLS context (what a reload may change). */
    public SmtpServerSettings withLiveSettings(NetworkAcl networks, Optional<SslContext> ssl) {
        return new SmtpServerSettings(hostname, listeners, ssl, proxyProtocol, networks, requireTlsForAuth, limits, bareLf,
                trustedProxies);
    }
}
