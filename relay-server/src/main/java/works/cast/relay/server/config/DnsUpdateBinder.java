package works.cast.relay.server.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import works.cast.relay.server.dns.DnsServers;

/**
 * Binds one {@code dns-update} block (RFC 2136 with TSIG, RFC 8945) for {@link SigningBinder}: the relay-wide
 * {@code relay.signing.dns-update} or a domain's own. A block without {@code server} is off; with it, the TSIG key
 * name and secret file are required.
 */
final class DnsUpdateBinder {

    /** The TSIG algorithms accepted, as BIND's tsig-keygen names them. */
    static final java.util.List<String> ALGORITHMS = java.util.List.of("hmac-sha256", "hmac-sha384", "hmac-sha512",
            "hmac-sha224", "hmac-sha1");

    private final ConfigReader r;

    DnsUpdateBinder(ConfigReader reader) {
        this.r = reader;
    }

    Optional<DnsUpdateConfig> bind(String path) {
        if (r.isNull(path) || r.isNull(path + ".server")) {
            for (String key : new String[] {"zone", "tsig.name", "tsig.secret-file"}) {
                if (!r.isNull(path + "." + key)) {
                    r.problem(path + "." + key, "set, but " + path + ".server is not: give the server that takes"
                            + " the updates, as \"ip\" or \"ip:port\"");
                }
            }
            return Optional.empty();
        }
        String serverText = r.string(path + ".server", null);
        InetSocketAddress server = null;
        if (serverText != null) {
            try {
                server = DnsServers.parseOne(serverText);
            } catch (IllegalArgumentException e) {
                r.problem(path + ".server", e.getMessage());
            }
        }
        Optional<String> zone = r.optString(path + ".zone").map(z -> Names.lower(z.strip()));
        if (zone.isPresent() && zone.get().endsWith(".")) {
            zone = Optional.of(zone.get().substring(0, zone.get().length() - 1));
        }
        if (zone.isPresent() && !Names.isDomainName(zone.get())) {
            r.problem(path + ".zone", "\"" + zone.get() + "\" is not a zone name");
        }
        Duration ttl = duration(path + ".ttl", Duration.ofHours(1));
        if (ttl.toSeconds() < 1 || ttl.toSeconds() > 604_800) {
            r.problem(path + ".ttl", "must be between 1s and 7d");
        }
        Duration wait = duration(path + ".wait", Duration.ofMinutes(2));
        String name = r.isNull(path + ".tsig.name") ? null : r.string(path + ".tsig.name", null);
        if (name == null) {
            r.problem(path + ".tsig.name", "required with " + path + ".server: the TSIG key's name, as in the"
                    + " server's key statement (tsig-keygen NAME)");
        } else if (!Names.isDomainName(name.endsWith(".") ? name.substring(0, name.length() - 1) : name)) {
            r.problem(path + ".tsig.name", "\"" + name + "\" is not a key name (a domain name such as relay-key)");
        }
        String algorithm = r.isNull(path + ".tsig.algorithm") ? "hmac-sha256"
                : r.string(path + ".tsig.algorithm", "hmac-sha256").strip().toLowerCase(Locale.ROOT);
        if (!ALGORITHMS.contains(algorithm)) {
            r.problem(path + ".tsig.algorithm", "\"" + algorithm + "\" is not one of " + String.join(" | ", ALGORITHMS));
        }
        Optional<Path> secret = r.optPath(path + ".tsig.secret-file");
        if (secret.isEmpty() && r.isNull(path + ".tsig.secret-file")) {
            r.problem(path + ".tsig.secret-file", "required with " + path + ".server: the file holding the key's"
                    + " base64 secret (or the key block tsig-keygen prints), mode 0600");
        }
        if (server == null || name == null || secret.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new DnsUpdateConfig(server, zone, ttl, name, algorithm, secret.get(), wait));
    }

    /** A domain's block need not repeat the keys that have defaults. */
    private Duration duration(String path, Duration fallback) {
        return r.isNull(path) ? fallback : r.duration(path, fallback);
    }
}
