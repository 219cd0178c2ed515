package works.cast.relay.server.cli.keys;

import java.net.InetAddress;
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
import works.cast.relay.server.cli.CliDns;
import works.cast.relay.server.config.RelayConfig;
import works.cast.relay.server.dns.DnsClient;
import works.cast.relay.server.dns.DnsTxtResolver;
import works.cast.relay.server.keys.KeyCheck;
import works.cast.relay.server.sender.ClientSenderDns;
import works.cast.relay.server.sender.DomainChecker;
import works.cast.relay.server.sender.DomainReport;
import works.cast.relay.server.sender.SenderChecks;

/**
 * {@code keys check}: compares each selector's published record with its key, then runs the sender checks of each
 * domain (DMARC by the tree walk, SPF, active selectors) as the running relay does. Exit 0 only when every active
 * and pending selector matches; sender-check warnings are advice and do not change it.
 */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Look up each selector's DNS record and compare it with the key; exit 0 only when every active"
                + " and pending selector matches. Then the sender checks per domain (DMARC, SPF, active selectors),"
                + " which are advice and do not change the exit status.")
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
        DnsClient client = dnsClient(Optional.ofNullable(dns));
        DnsTxtResolver resolver = new DnsTxtResolver(client);
        KeyCheck check = new KeyCheck(resolver);
        int failing = 0;
        int counted = 0;
        List<Map<String, Object>> views = new ArrayList<>();
        List<KeyCheck.Result> results = new ArrayList<>();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"DOMAIN", "SELECTOR", "STATE", "ALGORITHM", "DNS", "DETAIL"});
        for (SelectorKey k : keys) {
            KeyCheck.Result r = check.check(k);
            results.add(r);
            boolean counts = k.state() != SelectorState.RETIRED;
            counted += counts ? 1 : 0;
            failing += counts && !r.matches() ? 1 : 0;
            Map<String, Object> v = view(k);
            v.putAll(checkView(r));
            v.put("name", r.name());
            List<String> chain = resolver.cnameChain(r.name());
            v.put("cname_chain", chain);
            views.add(v);
            String via = chain.size() > 1 ? " (via CNAME " + String.join(" -> ", chain) + ")" : "";
            rows.add(new String[] {k.domain().name(), k.selector(), k.state().text(), k.key().algorithm().tagValue(),
                r.status().text(), r.detail() + via});
        }
        RelayConfig config = CliDns.config(Optional.ofNullable(options.config));
        List<InetAddress> egress = SenderChecks.egress(config);
        Map<String, List<KeyCheck.Result>> active = new LinkedHashMap<>();
        results.stream().filter(r -> r.key().state() == SelectorState.ACTIVE)
                .forEach(r -> active.computeIfAbsent(r.key().domain().name(), d -> new ArrayList<>()).add(r));
        DomainChecker checker = new DomainChecker(new ClientSenderDns(client), egress,
                d -> SenderChecks.selectorStates(active.getOrDefault(d, List.of())));
        List<Map<String, Object>> domains = new ArrayList<>();
        List<String> senderLines = new ArrayList<>();
        int warnings = 0;
        int unknown = 0;
        for (String d : new TreeSet<>(keys.stream().map(k -> k.domain().name()).toList())) {
            DomainReport report = checker.check(d);
            List<Map<String, Object>> checks = new ArrayList<>();
            for (DomainReport.Check c : report.checks()) {
                warnings += c.value() == 0 ? 1 : 0;
                unknown += c.value() < 0 ? 1 : 0;
                senderLines.add("sender: " + d + " " + c.name() + " " + c.status() + ": " + c.detail());
                Map<String, Object> v = new LinkedHashMap<>();
                v.put("check", c.name());
                v.put("status", c.status());
                v.put("value", c.value());
                v.put("detail", c.detail());
                checks.add(v);
                if (c.name().equals("spf-record") && report.spf().isEmpty()) {
                    String why = egress.isEmpty() ? SenderChecks.noEgressReason(config) : "no SPF record to check";
                    senderLines.add("sender: " + d + " spf-egress skipped: " + why);
                }
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("domain", d);
            m.put("dmarc", report.dmarc().record());
            m.put("dmarc_found_at", report.dmarc().foundAt().map(f -> "_dmarc." + f));
            m.put("dmarc_policy", report.dmarc().policy());
            m.put("checks", checks);
            m.put("warnings", report.warnings());
            domains.add(m);
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
            senderLines.forEach(out()::println);
            out().println("sender checks: " + warnings + " warning(s), " + unknown + " unknown"
                    + " (warnings do not change the exit status)");
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
