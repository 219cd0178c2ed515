package works.cast.relay.server.ops;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import works.cast.relay.core.keys.KeyRing;
import works.cast.relay.core.keys.SelectorKey;
import works.cast.relay.core.keys.SelectorState;
import works.cast.relay.core.mail.Domain;
import works.cast.relay.server.queue.QueueControl;
import works.cast.relay.server.message.QueueEntry;
import works.cast.relay.server.message.RecipientState;
import works.cast.relay.server.message.RecipientStatus;
import works.cast.relay.server.sender.DomainReport;

/**
 * The console's data, as the tree that {@code GET /api/status} writes as JSON and {@link ConsolePage} renders:
 * relay, health, domains, traffic, tls and queue (README, "Operator console"). Built on the management worker
 * thread; it reads the queue directory, never changes anything.
 */
final class ConsoleStatus {

    /** How long a retired selector's record should stay published (README, "Rotating a key": we suggest 30 days). */
    static final Duration RETIRED_RECORD_GRACE = Duration.ofDays(30);

    /** The most queued messages read per request for the deferred destinations (the page refreshes every 5 s). */
    static final int MAX_READ = 2000;

    private final ConsoleSources sources;
    private final TrafficHistory history;
    private final StricterProfile profile;

    ConsoleStatus(ConsoleSources sources, TrafficHistory history) {
        this.sources = sources;
        this.history = history;
        this.profile = new StricterProfile(sources.tlsProfile());
    }

    /** The whole tree now; {@code failing} are the readiness checks that fail. */
    Map<String, Object> build(List<String> failing) {
        Instant now = history.clock().instant();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("generated", seconds(now));
        m.put("relay", relay(now));
        m.put("health", Map.of("ready", failing.isEmpty(), "failing", failing));
        m.put("domains", domains(now));
        m.put("traffic", traffic(now));
        m.put("tls", tls(now));
        m.put("queue", queue(now));
        return m;
    }

    private Map<String, Object> relay(Instant now) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("hostname", sources.hostname());
        m.put("version", sources.version());
        m.put("started", seconds(sources.started()));
        m.put("uptime_seconds", Math.max(0, Duration.between(sources.started(), now).toSeconds()));
        m.put("rsa_provider", sources.rsaProvider());
        m.put("body_scan", sources.bodyScan());
        m.put("delivery", sources.delivery());
        return m;
    }

    private List<Object> domains(Instant now) {
        KeyRing ring = sources.keys().get();
        Map<String, DomainReport> reports = sources.senderChecks().get();
        Optional<Instant> checked = sources.lastCheck().get();
        List<Object> out = new ArrayList<>();
        for (String name : sources.domains()) {
            Optional<DomainReport> report = Optional.ofNullable(reports.get(name));
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("domain", name);
            List<Object> selectors = new ArrayList<>();
            for (SelectorKey k : ring.selectors(new Domain(name))) {
                selectors.add(selector(k, report, now));
            }
            d.put("selectors", selectors);
            List<Object> checks = new ArrayList<>();
            report.ifPresent(r -> r.checks().forEach(c -> {
                Map<String, Object> cm = new LinkedHashMap<>();
                cm.put("check", c.name());
                cm.put("value", c.value());
                cm.put("status", c.status());
                cm.put("detail", c.detail());
                checks.add(cm);
            }));
            d.put("sender_checks", checks);
            d.put("checked", report.isPresent() ? checked.map(ConsoleStatus::seconds).orElse(null) : null);
            out.add(d);
        }
        return out;
    }

    private static Map<String, Object> selector(SelectorKey k, Optional<DomainReport> report, Instant now) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("selector", k.selector());
        s.put("algorithm", k.key().algorithm().tagValue());
        s.put("bits", k.key().bits());
        s.put("state", k.state().text());
        s.put("created", k.created().toString());
        s.put("age_days", Math.max(0, Duration.between(k.created(), now).toDays()));
        s.put("activated", k.activated().map(Instant::toString).orElse(null));
        s.put("retired", k.retired().map(Instant::toString).orElse(null));
        String dns = report.map(r -> r.selectors().get(k.selector())).orElse(null);
        s.put("dns", dns == null ? "not checked" : dns);
        s.put("record_removable_after", k.state() == SelectorState.RETIRED
                ? k.retired().map(t -> t.plus(RETIRED_RECORD_GRACE).toString()).orElse(null) : null);
        return s;
    }

    private Map<String, Object> traffic(Instant now) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("minutes", TrafficHistory.MINUTES);
        m.put("start", history.accepted.start(now).toString());
        m.put("accepted", sum(history.accepted.byLabel(now), TrafficHistory.MINUTES));
        m.put("accepted_by_domain", history.accepted.totals(now));
        m.put("rejected", history.rejected.byLabel(now));
        m.put("signed", history.signed.byLabel(now));
        Map<String, List<Long>> deliveries = history.deliveries.byLabel(now);
        for (String outcome : List.of("delivered", "deferred", "failed")) {
            m.put(outcome, deliveries.getOrDefault(outcome, zeros(TrafficHistory.MINUTES)));
        }
        return m;
    }

    private Map<String, Object> tls(Instant now) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("hours", TrafficHistory.HOURS);
        m.put("profile", profile.current());
        m.put("stricter_profile", profile.next().orElse(null));
        List<Object> sessions = new ArrayList<>();
        long total = 0;
        long refused = 0;
        for (Map.Entry<String, Long> e : history.tls.totals(now).entrySet()) {
            String[] pc = e.getKey().split(" ", 2);
            String protocol = pc[0];
            String cipher = pc.length > 1 ? pc[1] : "";
            boolean refuses = profile.refuses(protocol, cipher);
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("protocol", protocol);
            s.put("cipher", cipher);
            s.put("sessions", e.getValue());
            s.put("refused_by_stricter", refuses);
            sessions.add(s);
            total += e.getValue();
            refused += refuses ? e.getValue() : 0;
        }
        m.put("sessions", sessions);
        m.put("total", total);
        m.put("refused_by_stricter", refused);
        m.put("refused_percent", total == 0 ? 0.0 : Math.round(1000.0 * refused / total) / 10.0);
        return m;
    }

    private Map<String, Object> queue(Instant now) {
        Map<String, Object> m = new LinkedHashMap<>();
        List<QueueEntry> entries = List.of();
        String problem = null;
        long size = 0;
        double oldest = 0;
        if (sources.queueDir().isPresent() && java.nio.file.Files.isDirectory(sources.queueDir().get())) {
            QueueGauges gauges = new QueueGauges(sources.queueDir().get(), history.clock());
            size = gauges.size();
            oldest = gauges.oldestAgeSeconds();
            try {
                entries = new QueueControl(sources.queueDir().get()).list(MAX_READ);
            } catch (IOException | RuntimeException e) {
                problem = "queue unreadable: " + e.getMessage();
            }
        }
        m.put("size", size);
        m.put("oldest_age_seconds", (long) oldest);
        if (problem == null && size > MAX_READ) {
            problem = "deferred destinations from the oldest " + MAX_READ + " messages only";
        }
        m.put("problem", problem);
        m.put("deferred", deferred(entries));
        List<Object> failures = new ArrayList<>();
        for (RecentFailures.Failure f : history.recentFailures()) {
            Map<String, Object> fm = new LinkedHashMap<>();
            fm.put("time", seconds(f.time()));
            fm.put("id", f.id());
            fm.put("domain", f.domain());
            fm.put("result", f.result());
            fm.put("reply", f.reply());
            failures.add(fm);
        }
        m.put("failures", failures);
        return m;
    }

    /** Pending recipients tried at least once, grouped by recipient domain, the latest error of each group. */
    private static List<Object> deferred(List<QueueEntry> entries) {
        Map<String, Map<String, Object>> groups = new TreeMap<>();
        for (QueueEntry e : entries) {
            for (RecipientStatus r : e.recipients()) {
                if (r.state() != RecipientState.PENDING || r.attempts() == 0) {
                    continue;
                }
                int at = r.address().lastIndexOf('@');
                String domain = (at < 0 ? r.address() : r.address().substring(at + 1)).toLowerCase(Locale.ROOT);
                Map<String, Object> g = groups.computeIfAbsent(domain, k -> {
                    Map<String, Object> n = new LinkedHashMap<>();
                    n.put("destination", k);
                    n.put("recipients", 0L);
                    n.put("messages", new java.util.TreeSet<String>());
                    return n;
                });
                g.put("recipients", (Long) g.get("recipients") + 1);
                @SuppressWarnings("unchecked")
                java.util.Set<String> ids = (java.util.Set<String>) g.get("messages");
                ids.add(e.id().toString());
                String next = seconds(r.nextAttempt());
                if (!g.containsKey("next_attempt") || next.compareTo((String) g.get("next_attempt")) < 0) {
                    g.put("next_attempt", next);
                }
                r.lastReply().ifPresent(reply -> g.put("last_error", reply.summary()));
                r.remote().ifPresent(remote -> g.put("upstream", remote));
            }
        }
        List<Object> out = new ArrayList<>();
        for (Map<String, Object> g : groups.values()) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("destination", g.get("destination"));
            o.put("messages", ((java.util.Set<?>) g.get("messages")).size());
            o.put("recipients", g.get("recipients"));
            o.put("next_attempt", g.get("next_attempt"));
            o.put("upstream", g.get("upstream"));
            o.put("last_error", g.get("last_error"));
            out.add(o);
        }
        return out;
    }

    private static List<Long> sum(Map<String, List<Long>> byLabel, int n) {
        long[] total = new long[n];
        byLabel.values().forEach(v -> {
            for (int i = 0; i < n; i++) {
                total[i] += v.get(i);
            }
        });
        return java.util.Arrays.stream(total).boxed().toList();
    }

    /** An instant to the second, as the page shows times. */
    static String seconds(Instant t) {
        return t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    }

    private static List<Long> zeros(int n) {
        return java.util.Collections.nCopies(n, 0L);
    }
}
