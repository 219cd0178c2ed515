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
import works.cast.relay.server.cli.CliDns;
import works.cast.relay.server.config.RotationConfig;
import works.cast.relay.server.config.SigningConfig;
import works.cast.relay.server.dns.TxtResult;
import works.cast.relay.server.keys.KeyCheck;
import works.cast.relay.server.keys.RecordPublisher;

/** {@code keys list}: the selectors in the store; DNS status only when asked for. */
@Command(name = "list", mixinStandardHelpOptions = true,
        description = "List selectors: domain, selector, algorithm, bits, state, dates, DNS status (looked up with"
                + " --check or --dns) and, for retired selectors, when their record is revoked and removed.")
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
        SigningConfig signing = CliDns.config(Optional.ofNullable(options.config)).signing();
        RotationConfig rotation = signing.rotation();
        RecordPublisher names = RecordPublisher.of(signing, new KeyCheck(n -> new TxtResult.NotFound("unused")));
        List<Map<String, Object>> views = new ArrayList<>();
        List<String[]> rows = new ArrayList<>();
        List<String> manual = new ArrayList<>();
        rows.add(new String[] {"DOMAIN", "SELECTOR", "ALGORITHM", "BITS", "STATE", "CREATED", "ACTIVATED", "RETIRED",
            "DNS", "RECORD"});
        for (SelectorKey k : keys) {
            Map<String, Object> v = view(k);
            Optional<KeyCheck.Result> r = checker.map(c -> c.check(k));
            r.ifPresent(x -> v.put("dns", checkView(x)));
            String dnsColumn = RecordSchedule.dnsColumn(r);
            String record = RecordSchedule.recordColumn(k, rotation);
            v.put("dns_status", dnsColumn);
            v.put("record", record);
            v.put("revoke_at", RecordSchedule.revokeAt(k, rotation).map(Object::toString));
            v.put("remove_at", RecordSchedule.removeAt(k, rotation).map(Object::toString));
            v.put("revoked", k.revoked().map(Object::toString));
            v.put("removed", k.removed().map(Object::toString));
            boolean byHand = k.state() == SelectorState.RETIRED && k.retired().isPresent() && k.removed().isEmpty()
                    && !names.canPublish(k.domain().name());
            if (byHand) {
                manual.add(RecordSchedule.manualChanges(k, rotation, names.recordName(k.selector(), k.domain().name())));
            }
            v.put("published_by", names.canPublish(k.domain().name()) ? "relay" : "hand");
            views.add(v);
            rows.add(new String[] {k.domain().name(), k.selector(), k.key().algorithm().tagValue(),
                Integer.toString(k.key().bits()), k.state().text(), k.created().toString(),
                k.activated().map(Object::toString).orElse("-"), k.retired().map(Object::toString).orElse("-"),
                dnsColumn, record});
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
        if (!manual.isEmpty()) {
            out().println("records to change by hand (no dns-update for these domains):");
            manual.forEach(m -> m.lines().forEach(l -> out().println("  " + l)));
        }
        out().flush();
        return 0;
    }
}
