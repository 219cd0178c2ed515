package works.cast.relay.server.cli.keys;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import works.cast.relay.core.keys.DnsTxtRecord;
import works.cast.relay.core.keys.KeyStore;
import works.cast.relay.core.keys.SelectorKey;
import works.cast.relay.core.keys.SelectorState;
import works.cast.relay.server.cli.CliDns;
import works.cast.relay.server.dns.TxtResult;
import works.cast.relay.server.keys.KeyCheck;
import works.cast.relay.server.keys.RecordPublisher;
import works.cast.relay.server.keys.StableSelectors;

/** {@code keys dns}: the records to publish, offline. */
@Command(name = "dns", mixinStandardHelpOptions = true,
        description = "Print the DNS records to publish: DKIM TXT per selector (and, for a delegated domain, the"
                + " CNAMEs its owner adds once), and SPF/DMARC advice.")
public final class DnsCommand extends KeysSubcommand {

    @Option(names = "--domain", paramLabel = "D", description = "only this domain")
    String domain;

    static List<String> advice(String domain) {
        return List.of(
                "SPF: publish one TXT record at " + domain + " naming the hosts that send its mail, e.g. \"v=spf1 mx"
                        + " ip4:192.0.2.10 -all\" (the relay's or smarthost's public addresses)",
                "DMARC: publish a TXT record at _dmarc." + domain + ", e.g. \"v=DMARC1; p=none; rua=mailto:"
                        + "dmarc-reports@" + domain + "\", and move to p=quarantine or p=reject once reports look right");
    }

    @Override
    int run() {
        KeyStore store = store();
        RecordPublisher names = RecordPublisher.of(CliDns.config(Optional.ofNullable(options.config)).signing(),
                new KeyCheck(n -> new TxtResult.NotFound("unused")));
        Map<String, List<SelectorKey>> byDomain = new TreeMap<>();
        var ring = store.load();
        if (domain != null && names.isDelegated(domain(domain).name()) && ring.selectors(domain(domain)).isEmpty()) {
            // the CNAMEs come first: the owner adds them before the first key is published
            byDomain.put(domain(domain).name(), new ArrayList<>());
        } else {
            for (SelectorKey k : selectors(ring, store, Optional.ofNullable(domain))) {
                byDomain.computeIfAbsent(k.domain().name(), d -> new ArrayList<>()).add(k);
            }
        }
        List<Map<String, Object>> records = new ArrayList<>();
        Map<String, Object> advice = new LinkedHashMap<>();
        Map<String, Object> cnames = new LinkedHashMap<>();
        StringBuilder text = new StringBuilder();
        byDomain.forEach((d, keys) -> {
            text.append("; ---- ").append(d).append('\n');
            if (names.isDelegated(d)) {
                List<String> lines = StableSelectors.all().stream().map(s -> names.cname(s, d).orElseThrow()).toList();
                cnames.put(d, lines);
                text.append("; delegated: add these CNAMEs to ").append(d).append(" once; the TXT records below live in")
                        .append(" the delegated zone, where ").append(names.canPublish(d) ? "the relay publishes them"
                                : "they are published").append('\n');
                lines.forEach(l -> text.append(l).append('\n'));
            }
            for (SelectorKey k : keys) {
                String note = switch (k.state()) {
                    case PENDING -> "pending: publish, then dkim-relay keys activate";
                    case ACTIVE -> "active: signing";
                    case RETIRED -> "retired " + k.retired().map(Object::toString).orElse("")
                            + ": remove after grace period";
                };
                Map<String, Object> v = recordView(k);
                v.put("note", note);
                records.add(v);
                text.append("; ").append(k.selector()).append(" (").append(k.key()).append(") ").append(note)
                        .append('\n');
                String zone = zone(k).replace(DnsTxtRecord.owner(k.selector(), d) + ". IN TXT",
                        names.recordName(k.selector(), d) + ". IN TXT");
                text.append(k.state() == SelectorState.RETIRED ? zone.replaceAll("(?m)^", "; ") : zone).append('\n');
            }
            advice.put(d, advice(d));
            advice(d).forEach(a -> text.append("; advice: ").append(a).append('\n'));
        });
        if (json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("records", records);
            m.put("cnames", cnames);
            m.put("advice", advice);
            printJson(m);
        } else {
            out().print(text.length() == 0 ? "; no keys in " + store.dir() + "\n" : text);
            out().flush();
        }
        return 0;
    }
}
