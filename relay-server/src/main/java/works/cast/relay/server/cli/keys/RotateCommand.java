package works.cast.relay.server.cli.keys;

import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import works.cast.relay.core.dkim.SigningAlgorithm;
import works.cast.relay.core.keys.KeyAlgorithm;
import works.cast.relay.core.keys.KeyStore;
import works.cast.relay.core.keys.SelectorKey;

/** {@code keys rotate}: a new pending selector for a domain, with the steps that follow. */
@Command(name = "rotate", mixinStandardHelpOptions = true,
        description = "Make a new pending selector for a domain and print its record and the next steps.")
public final class RotateCommand extends KeysSubcommand {

    @Option(names = "--domain", required = true, paramLabel = "D", description = "signing domain")
    String domain;

    @Option(names = "--algorithm", paramLabel = "A",
            description = "rsa-2048 | rsa-3072 | rsa-4096 | ed25519 (default: like the active RSA key, else rsa-2048)")
    String algorithm;

    @Option(names = "--publish", description = "add the new TXT record by DNS update (relay.signing.dns-update) and"
            + " wait until it is seen through relay.dns.servers; on failure nothing is written")
    boolean publish;

    @Option(names = "--dns", paramLabel = "IP[:PORT]",
            description = "with --publish: DNS server to read the record back from (default: relay.dns.servers)")
    String dns;

    @Override
    int run() {
        KeyStore store = store();
        var d = domain(domain);
        KeyAlgorithm a = algorithm != null ? KeyAlgorithm.parse(algorithm)
                : store.load().active(d).stream().filter(k -> k.key().algorithm() == SigningAlgorithm.RSA_SHA256)
                        .map(k -> KeyAlgorithm.of(k.key())).findFirst().orElse(KeyAlgorithm.RSA_2048);
        java.util.Optional<String> sel = selectorFor(store, d, a, java.util.Optional.empty());
        SelectorKey prepared = store.prepareRotation(d, a, sel, clock);
        SelectorKey k = publish
                ? publishThenAdd(store, prepared, false, publisher(java.util.Optional.ofNullable(dns)))
                : store.add(prepared, false);
        String activate = "dkim-relay keys activate --domain " + k.domain() + " --selector " + k.selector()
                + " (retires the active " + k.key().algorithm().keyType() + " selector; it stops signing)";
        String removeOld = "after a grace period (7 days or more), remove the old selector's TXT record";
        List<String> steps = publish ? List.of(activate + ", or let signing.rotation.auto-activate do it", removeOld)
                : List.of("publish the TXT record above at " + recordName(k),
                        "wait for DNS, then: dkim-relay keys check --domain " + k.domain(), activate, removeOld);
        if (json()) {
            Map<String, Object> m = recordView(k);
            m.put("next_steps", steps);
            printJson(m);
        } else {
            out().printf("new pending selector %s (%s) for %s%n", k.selector(), k.key(), k.domain());
            if (!publish) {
                out().println(zoneToPublish(k));
            }
            out().println("next steps:");
            for (int i = 0; i < steps.size(); i++) {
                out().printf("  %d. %s%n", i + 1, steps.get(i));
            }
            out().flush();
        }
        return 0;
    }
}
