package works.cast.relay.server.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Where and how DKIM key records are published by RFC 2136 dynamic update, signed with a TSIG key (RFC 8945):
 * {@code relay.signing.dns-update}, or a signing domain's own {@code dns-update} block, which replaces it whole.
 *
 * @param server     the primary server taking updates
 * @param zone       the zone to update; empty = found by an SOA lookup at {@code server}
 * @param ttl        the TTL of the records written
 * @param keyName    the TSIG key's name, as the server knows it
 * @param algorithm  the TSIG algorithm, such as {@code hmac-sha256}
 * @param secretFile the file holding the base64 secret (or a BIND {@code key} block); private to the relay's user
 * @param publishWait how long a published record may take to be seen through {@code relay.dns.servers}
 */
public record DnsUpdateConfig(InetSocketAddress server, Optional<String> zone, Duration ttl, String keyName,
                              String algorithm, Path secretFile, Duration publishWait) {

    public DnsUpdateConfig {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(ttl, "ttl");
        Objects.requireNonNull(keyName, "keyName");
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(secretFile, "secretFile");
        Objects.requireNonNull(publishWait, "publishWait");
    }

    /** {@code ip:port} of the server, for messages. */
    public String describeServer() {
        String ip = server.getAddress().getHostAddress();
        return (ip.contains(":") ? "[" + ip + "]" : ip) + ":" + server.getPort();
    }
}
