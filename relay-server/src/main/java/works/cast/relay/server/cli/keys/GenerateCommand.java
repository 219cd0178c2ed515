package works.cast.relay.server.cli.keys;

import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import works.cast.relay.core.keys.KeyAlgorithm;
import works.cast.relay.core.keys.SelectorKey;

/** {@code keys generate}: a new key for a domain, pending unless {@code --activate}. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate a new DKIM key (pending unless --activate) and print its DNS record.")
public final class GenerateCommand extends KeysSubcommand {

    @Option(names = "--domain", required = true, paramLabel = "D", description = "signing domain")
    String domain;

    @Option(names = "--selector", paramLabel = "S", description = "selector (default: sYYYYMMx, the next free one; s1|s2 or e1|e2 for a delegated domain)")
    String selector;

    @Option(names = "--algorithm", paramLabel = "A", defaultValue = "rsa-2048",
            description = "rsa-2048 | rsa-3072 | rsa-4096 | ed25519 (default: ${DEFAULT-VALUE})")
    String algorithm;

    @Option(names = "--activate", description = "sign with it at once (retires the active key of the same algorithm)")
    boolean activate;

    @Option(names = "--publish", description = "add its TXT record by DNS update (relay.signing.dns-update) and wait"
            + " until it is seen through relay.dns.servers; on failure nothing is written")
    boolean publish;

    @Option(names = "--dns", paramLabel = "IP[:PORT]",
            description = "with --publish: DNS server to read the record back from (default: relay.dns.servers)")
    String dns;

    @Override
    int run() {
        var store = store();
        KeyAlgorithm a = KeyAlgorithm.parse(algorithm);
        Optional<String> sel = selectorFor(store, domain(domain), a, Optional.ofNullable(selector));
        SelectorKey k;
        if (publish) {
            var publisher = publisher(Optional.ofNullable(dns));
            k = publishThenAdd(store, store.prepare(domain(domain), a, sel, clock), activate, publisher);
        } else {
            k = store.generate(domain(domain), a, sel, activate, clock);
        }
        if (json()) {
            var m = recordView(k);
            m.put("published", publish);
            printJson(m);
        } else if (publish) {
            out().printf("generated %s selector %s for %s (%s)%n", k.key(), k.selector(), k.domain(), k.state().text());
            if (!activate) {
                out().printf("then: dkim-relay keys activate --domain %s --selector %s%n", k.domain(), k.selector());
            }
            out().flush();
        } else {
            out().printf("generated %s selector %s for %s (%s)%n", k.key(), k.selector(), k.domain(), k.state().text());
            out().println("publish this TXT record:");
            out().println(zoneToPublish(k));
            if (!activate) {
                out().printf("then: dkim-relay keys check --domain %s; dkim-relay keys activate --domain %s --selector %s%n",
                        k.domain(), k.domain(), k.selector());
            }
            out().flush();
        }
        return 0;
    }
}
