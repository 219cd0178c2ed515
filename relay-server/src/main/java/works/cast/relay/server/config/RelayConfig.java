package works.cast.relay.server.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import works.cast.relay.server.dns.DnsServers;

/**
 * The whole relay configuration, bound from HOCON by {@link ConfigLoader} (RFC 5321 relay, RFC 6376 signer).
 *
 * <p>Paths are kept as written; relative ones resolve against the working directory of the process.
 *
 * @param source   the file read on top of {@code reference.conf}, empty when only the defaults apply
 * @param hostname the EHLO and Received name
 * @param smtp     listeners and SMTP behaviour
 * @param tls      server TLS
 * @param access   networks and users
 * @param keysDir  the key store directory
 * @param signing  DKIM signing policy
 * @param delivery where signed mail goes
 * @param queue    the durable queue
 * @param limits   resource limits
 * @param http     the management endpoint
 * @param logging  log format
 * @param rateLimits sending rate limits
 * @param bounce   mail the relay writes itself
 * @param senderChecks the daily DNS checks of each signing domain
 * @param dns      the resolvers every lookup asks ({@code relay.dns.servers})
 */
public record RelayConfig(Optional<Path> source, String hostname, SmtpConfig smtp, TlsConfig tls,
                          AccessConfig access, Path keysDir, SigningConfig signing, DeliveryConfig delivery,
                          QueueConfig queue, LimitsConfig limits, HttpConfig http, LoggingConfig logging,
                          RateLimitConfig rateLimits, BounceConfig bounce,
                          DnsServers dns, SenderChecksConfig senderChecks) {

    public RelayConfig {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(hostname, "hostname");
        Objects.requireNonNull(smtp, "smtp");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(access, "access");
        Objects.requireNonNull(keysDir, "keysDir");
        Objects.requireNonNull(signing, "signing");
        Objects.requireNonNull(delivery, "delivery");
        Objects.requireNonNull(queue, "queue");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(http, "http");
        Objects.requireNonNull(logging, "logging");
        Objects.requireNonNull(rateLimits, "rateLimits");
        Objects.requireNonNull(bounce, "bounce");
        Objects.requireNonNull(dns, "dns");
        Objects.requireNonNull(senderChecks, "senderChecks");
    }
}
