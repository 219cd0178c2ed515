package works.cast.relay.server.cli.keys;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import works.cast.relay.core.keys.KeyStore;
import works.cast.relay.core.keys.SelectorKey;

/** {@code keys retire}: stops signing with a selector. */
@Command(name = "retire", mixinStandardHelpOptions = true,
        description = "Stop signing with a selector; remove its DNS record after a grace period.")
public final class RetireCommand extends KeysSubcommand {

    @Option(names = "--domain", required = true, paramLabel = "D", description = "signing domain")
    String domain;

    @Option(names = "--selector", required = true, paramLabel = "S", description = "selector")
    String selector;

    @Override
    int run() {
        KeyStore store = store();
        SelectorKey k = store.retire(domain(domain), selector, clock);
        boolean noneLeft = store.load().active(k.domain()).isEmpty();
        String reminder = "keep " + k.selector() + "._domainkey." + k.domain() + " published for a grace period"
                + " (7 days or more) so mail already sent still verifies, then remove it";
        if (json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("retired", view(k));
            m.put("reminder", reminder);
            m.put("active_left", !noneLeft);
            printJson(m);
        } else {
            out().printf("retired %s (%s) for %s: it no longer signs%n", k.selector(), k.key(), k.domain());
            out().println(reminder);
            out().flush();
        }
        if (noneLeft) {
            err().println("dkim-relay keys retire: warning: " + k.domain() + " has no active selector now; its mail"
                    + " is not signed (dkim-relay keys activate --domain " + k.domain() + " --selector S)");
            err().flush();
        }
        return 0;
    }
}
