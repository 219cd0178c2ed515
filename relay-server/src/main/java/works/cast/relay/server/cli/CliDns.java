package works.cast.relay.server.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import works.cast.relay.server.config.ConfigLoader;
import works.cast.relay.server.config.InvalidConfigException;
import works.cast.relay.server.config.RelayConfig;
import works.cast.relay.server.dns.DnsClient;
import works.cast.relay.server.dns.DnsServers;

/**
 * The DNS servers a command asks: its {@code --dns IP[:PORT]} for this run, else {@code relay.dns.servers} of the
 * configuration the relay itself would read ({@code --config}, {@code DKIM_RELAY_CONFIG}, {@code conf/relay.conf}
 * when it exists), else the system resolvers.
 */
public final class CliDns {

    private CliDns() {
    }

    public static DnsClient client(Optional<String> dnsOption, Optional<Path> configFile) {
        if (dnsOption.isPresent()) {
            return DnsClient.of(DnsServers.parse(List.of(dnsOption.get())));
        }
        return DnsClient.of(config(configFile).dns());
    }

    /** The configuration the relay itself would read, a problem in it as an {@link IllegalArgumentException}. */
    public static RelayConfig config(Optional<Path> configFile) {
        try {
            return ConfigLoader.parse(configFile);
        } catch (InvalidConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }
}
