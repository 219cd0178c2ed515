package works.cast.relay.server.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Resource limits of the SMTP side (RFC 5321 section 4.5.3.1 sizes, RFC 1870 SIZE).
 *
 * @param messageSize      maximum message size in bytes (advertised with SIZE)
 * @param recipients       maximum RCPT TO per message
 * @param connections      maximum concurrent connections
 * @param connectionsPerIp maximum concurrent connections from one client address
 * @param commandTimeout   idle time allowed between commands
 * @param dataTimeout      idle time allowed during DATA
 * @param headerSize       maximum size of the header block in bytes
 * @param maxErrors        error replies after which the session is closed
 * @param junkCommands     NOOP, RSET, VRFY, HELP, HELO, EHLO allowed between accepted messages (Postfix
 *                         smtpd_junk_command_limit)
 * @param proxyHeaderTimeout time a connection has to send its PROXY header (Postfix smtpd_upstream_proxy_timeout)
 * @param intakeMemory     bytes all sessions together may hold for messages in flight (DATA not yet on disk,
 *                         header blocks kept for signing); 0 means a quarter of the maximum heap
 * @param hopCount         most Received fields a message may carry, this relay's included (Postfix hopcount_limit)
 */
public record LimitsConfig(long messageSize, int recipients, int connections, int connectionsPerIp,
                           Duration commandTimeout, Duration dataTimeout, long headerSize, int maxErrors,
                           int junkCommands, Duration proxyHeaderTimeout, long intakeMemory, int hopCount) {

    public LimitsConfig {
        Objects.requireNonNull(commandTimeout, "commandTimeout");
        Objects.requireNonNull(dataTimeout, "dataTimeout");
        Objects.requireNonNull(proxyHeaderTimeout, "proxyHeaderTimeout");
    }
}
