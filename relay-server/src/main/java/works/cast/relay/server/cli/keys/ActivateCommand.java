package works.cast.relay.server.cli.keys;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import works.cast.relay.core.keys.KeyException;
import works.cast.relay.core.keys.KeyStore;
import works.cast.relay.core.keys.SelectorKey;
import works.cast.relay.server.keys.KeyCheck;

/** {@code keys activate}: starts signing with a selector once its record is in DNS. */
@Command(name = "activate", mixinStandardHelpOptions = true,
        description = "Start signing with a selector. Refuses unless its DNS record matches the key (or --force);"
                + " retires the active selector of the same algorithm.")
public final class ActivateCommand extends KeysSubcommand {

    @Option(names = "--domain", required = true, paramLabel = "D", description = "signing domain")
    String domain;

    @Option(names = "--selector", required = true, paramLabel = "S", description = "selector")
    String selector;

    @Option(names = "--force", description = "activate even when the DNS record does not match")
    boolean force;

    @Option(names = "--dns", paramLabel = "IP[:PORT]",
            description = "DNS server for this run (default: relay.dns.servers of the config, else the system resolver)")
    String dns;

    @Override
    int run() {
        KeyStore store = store();
        SelectorKey k = find(store.load(), store, domain, selector);
        KeyCheck.Result r = check(Optional.ofNullable(dns)).check(k);
        if (!r.matches() && !force) {
            throw new KeyException("refusing to activate " + k.selector() + " for " + k.domain() + ": DNS record "
                    + r.status().text() + " (" + r.detail() + "); publish it (dkim-relay keys dns) or use --force");
        }
        if (!r.matches()) {
            err().println("dkim-relay keys activate: warning: DNS record " + r.status().text() + ", activating anyway"
                    + " (--force): mail signed with " + k.selector() + " will fail DKIM until the record is published");
            err().flush();
        }
        KeyStore.Activation a = store.activate(k.domain(), k.selector(), clock);
        if (json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("activated", view(a.activated()));
            m.put("retired", a.retired().stream().map(KeysSubcommand::view).toList());
            m.put("dns", checkView(r));
            m.put("forced", !r.matches());
            printJson(m);
        } else {
            out().printf("activated %s (%s) for %s%n", k.selector(), k.key(), k.domain());
            for (SelectorKey old : a.retired()) {
                out().printf("retired %s (%s): it no longer signs; keep its TXT record for a grace period (7 days or"
                        + " more), then remove it%n", old.selector(), old.key());
            }
            out().println("a running relay picks this up by itself (or send it SIGHUP)");
            out().flush();
        }
        return 0;
    }
}
