package works.cast.relay.server.cli.keys;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import works.cast.relay.core.keys.KeyStore;
import works.cast.relay.core.keys.SelectorKey;
import works.cast.relay.core.keys.SelectorState;
import works.cast.relay.core.mail.Domain;
import works.cast.relay.server.dns.DnsTxtResolver;
import works.cast.relay.server.keys.DomainAdvice;
import works.cast.relay.server.keys.KeyCheck;

/** {@code keys check}: compares each selector's published record with its key; exit 0 only when all match. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Look up each selector's DNS record and compare it with the key; exit 0 only when every active"
                + " and pending selector matches. Also advice on SPF and DMARC.")
public final class CheckCommand extends KeysSubcommand {

    @Option(names = "--domain", paramLabel = "D", description = "only this domain")
    String domain;

    @Option(names = "--dns", paramLabel = "IP[:PORT]",
            description = "DNS server for this run (default: relay.dns.servers of the config, else the system resolver)")
    String dns;

    @Override
    int run() {
        KeyStore store = store();
        List<SelectorKey> keys = selectors(store.load(), store, Optional.ofNullable(domain));
        if (keys.isEmpty()) {
            throw new IllegalStateException("no keys in " + store.dir() + " (run dkim-relay keys generate --domain D)");
        }
        DnsTxtResolver resolver = resolver(Optional.ofNullable(dns));
        KeyCheck check = new KeyCheck(resolver);
        int failing = 0;
        int counted = 0;
        List<Map<String, Object>> views = new ArrayList<>();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"DOMAIN", "SELECTOR", "STATE", "ALGORITHM", "DNS", "DETAIL"});
        for (SelectorKey k : keys) {
            KeyCheck.Result r = check.check(k);
            boolean counts = k.state() != SelectorState.RETIRED;
            counted += counts ? 1 : 0;
            failing += counts && !r.matches() ? 1 : 0;
            Map<String, Object> v = view(k);
            v.putAll(checkView(r));
            v.put("name", r.name());
            views.add(v);
            rows.add(new String[] {k.domain().name(), k.selector(), k.state().text(), k.key().algorithm().tagValue(),
                r.status().text(), r.detail()});
        }
        List<Map<String, Object>> domains = new ArrayList<>();
        List<String> adviceLines = new ArrayList<>();
        for (String d : new TreeSet<>(keys.stream().map(k -> k.domain().name()).toList())) {
            DomainAdvice a = DomainAdvice.lookup(resolver, new Domain(d));
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("domain", d);
            m.put("spf", a.spf());
            m.put("dmarc", a.dmarc());
            m.put("dmarc_policy", a.policy());
            m.put("advice", a.advice());
            domains.add(m);
            a.advice().forEach(line -> adviceLines.add(d + ": " + line));
        }
        boolean ok = failing == 0;
        if (json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("ok", ok);
            m.put("dns", resolver.describe());
            m.put("selectors", views);
            m.put("domains", domains);
            printJson(m);
        } else {
            Table.print(out(), rows);
            adviceLines.forEach(line -> out().println("advice: " + line));
            out().println(ok ? "ok: all " + counted + " active and pending selectors match their DNS records"
                    : "FAILED: " + failing + " of " + counted + " active and pending selectors do not match");
            out().flush();
        }
        if (!ok) {
            err().println("dkim-relay keys check: " + failing + " selector(s) do not match their DNS records");
            err().flush();
        }
        return ok ? 0 : 1;
    }
}
