package works.cast.relay.server.cli.keys;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import works.cast.relay.core.keys.KeyStore;
import works.cast.relay.core.keys.SelectorKey;
import works.cast.relay.server.keys.KeyCheck;

/** {@code keys list}: the selectors in the store; DNS status only when asked for. */
@Command(name = "list", mixinStandardHelpOptions = true,
        description = "List selectors: domain, selector, algorithm, bits, state, dates (and DNS status with --check"
                + " or --dns).")
public final class ListCommand extends KeysSubcommand {

    @Option(names = "--domain", paramLabel = "D", description = "only this domain")
    String domain;

    @Option(names = "--check", description = "look up each selector's record (system resolver unless --dns)")
    boolean check;

    @Option(names = "--dns", paramLabel = "IP[:PORT]",
            description = "DNS server for the status column (default: relay.dns.servers of the config)")
    String dns;

    @Override
    int run() {
        KeyStore store = store();
        List<SelectorKey> keys = selectors(store.load(), store, Optional.ofNullable(domain));
        Optional<KeyCheck> checker = check || dns != null ? Optional.of(check(Optional.ofNullable(dns)))
                : Optional.empty();
        List<Map<String, Object>> views = new ArrayList<>();
        List<String[]> rows = new ArrayList<>();
        rows.add(checker.isPresent()
                ? new String[] {"DOMAIN", "SELECTOR", "ALGORITHM", "BITS", "STATE", "CREATED", "ACTIVATED", "RETIRED", "DNS"}
                : new String[] {"DOMAIN", "SELECTOR", "ALGORITHM", "BITS", "STATE", "CREATED", "ACTIVATED", "RETIRED"});
        for (SelectorKey k : keys) {
            Map<String, Object> v = view(k);
            List<String> row = new ArrayList<>(List.of(k.domain().name(), k.selector(), k.key().algorithm().tagValue(),
                    Integer.toString(k.key().bits()), k.state().text(), k.created().toString(),
                    k.activated().map(Object::toString).orElse("-"), k.retired().map(Object::toString).orElse("-")));
            if (checker.isPresent()) {
                KeyCheck.Result r = checker.get().check(k);
                v.put("dns", checkView(r));
                row.add(r.status().text());
            }
            views.add(v);
            rows.add(row.toArray(String[]::new));
        }
        if (json()) {
            printJson(Map.of("keys", views));
            return 0;
        }
        if (keys.isEmpty()) {
            out().println("no keys in " + store.dir() + " (run dkim-relay keys generate --domain D)");
        } else {
            Table.print(out(), rows);
        }
        out().flush();
        return 0;
    }
}
