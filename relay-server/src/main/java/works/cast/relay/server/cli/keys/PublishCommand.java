package works.cast.relay.server.cli.keys;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import works.cast.relay.core.keys.KeyStore;
import works.cast.relay.core.keys.SelectorKey;
import works.cast.relay.core.keys.SelectorState;
import works.cast.relay.server.keys.RecordPublisher;

/**
 * {@code keys publish}: adds selectors' TXT records by RFC 2136 dynamic update (relay.signing.dns-update) and waits
 * until each matches through relay.dns.servers. Works whether the relay runs or not; never replaces another record.
 */
@Command(name = "publish", mixinStandardHelpOptions = true,
        description = "Add a selector's TXT record by DNS update (RFC 2136, TSIG; relay.signing.dns-update) and wait"
                + " until it matches through relay.dns.servers. Without --selector: every pending and active one."
                + " Never replaces a different record.")
public final class PublishCommand extends KeysSubcommand {

    @Option(names = "--domain", required = true, paramLabel = "D", description = "signing domain")
    String domain;

    @Option(names = "--selector", paramLabel = "S", description = "only this selector")
    String selector;

    @Option(names = "--dns", paramLabel = "IP[:PORT]",
            description = "DNS server to read the record back from (default: relay.dns.servers of the config)")
    String dns;

    @Override
    int run() {
        KeyStore store = store();
        var ring = store.load();
        List<SelectorKey> keys = selector != null ? List.of(find(ring, store, domain, selector))
                : selectors(ring, store, Optional.of(domain)).stream()
                        .filter(k -> k.state() != SelectorState.RETIRED).toList();
        RecordPublisher publisher = publisher(Optional.ofNullable(dns));
        List<Map<String, Object>> views = new ArrayList<>();
        for (SelectorKey k : keys) {
            RecordPublisher.Published p = publisher.publish(k);
            printPublished(p);
            Map<String, Object> v = view(k);
            v.putAll(publishedView(p));
            views.add(v);
        }
        if (json()) {
            printJson(Map.of("published", views));
        }
        out().flush();
        return 0;
    }
}
