package works.cast.relay.server.ops;

import java.util.List;
import java.util.Map;

/**
 * The console page ({@code GET /}) rendered on the server from the {@link ConsoleStatus} tree, readable without
 * JavaScript; {@code /console.js} then refreshes the same sections from {@code /api/status} and draws the charts.
 * Every value is escaped with {@link Html#escape}: domains, selectors and replies come from mail and DNS.
 */
final class ConsolePage {

    private ConsolePage() {
    }

    static String render(Map<String, Object> status) {
        Map<String, Object> relay = map(status.get("relay"));
        StringBuilder b = new StringBuilder(8192);
        b.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>dkim-relay ").append(Html.escape(relay.get("hostname"))).append("</title>\n")
                .append("<link rel=\"stylesheet\" href=\"/console.css\">\n")
                .append("<script src=\"/console.js\" defer></script>\n</head>\n<body>\n<header>\n")
                .append("<h1>dkim-relay <span id=\"hostname\">").append(Html.escape(relay.get("hostname")))
                .append("</span></h1>\n<p id=\"meta\">version ").append(Html.escape(relay.get("version")))
                .append(" · up ").append(Html.escape(age(relay.get("uptime_seconds")))).append(" · status of ")
                .append("<time id=\"generated\">").append(Html.escape(status.get("generated")))
                .append("</time></p>\n</header>\n<main>\n");
        domains(b, list(status.get("domains")));
        queue(b, map(status.get("queue")));
        traffic(b, map(status.get("traffic")));
        tls(b, map(status.get("tls")));
        health(b, map(status.get("health")), relay);
        b.append("</main>\n</body>\n</html>\n");
        return b.toString();
    }

    private static void health(StringBuilder b, Map<String, Object> h, Map<String, Object> relay) {
        boolean ready = Boolean.TRUE.equals(h.get("ready"));
        b.append("<section id=\"health\">\n<h2>Health</h2>\n<div class=\"body\">\n<p class=\"")
                .append(ready ? "ok" : "bad").append("\">").append(ready ? "ready" : "not ready").append("</p>\n");
        List<Object> failing = list(h.get("failing"));
        if (!failing.isEmpty()) {
            b.append("<ul>");
            failing.forEach(f -> b.append("<li>").append(Html.escape(f)).append("</li>"));
            b.append("</ul>\n");
        }
        b.append("<table>\n");
        row(b, "RSA provider", relay.get("rsa_provider"));
        row(b, "body scan", relay.get("body_scan"));
        row(b, "delivery", relay.get("delivery"));
        row(b, "version", relay.get("version"));
        row(b, "started", relay.get("started"));
        row(b, "uptime", age(relay.get("uptime_seconds")));
        b.append("</table>\n</div>\n</section>\n");
    }

    private static void row(StringBuilder b, String name, Object value) {
        b.append("<tr><th>").append(Html.escape(name)).append("</th><td>").append(Html.escape(value))
                .append("</td></tr>\n");
    }

    private static void domains(StringBuilder b, List<Object> domains) {
        b.append("<section id=\"domains\">\n<h2>Domains</h2>\n<div class=\"body\">\n");
        for (Object o : domains) {
            Map<String, Object> d = map(o);
            b.append("<article class=\"domain\">\n<h3>").append(Html.escape(d.get("domain"))).append("</h3>\n")
                    .append("<table class=\"selectors\">\n<tr><th>selector</th><th>algorithm</th><th>bits</th>")
                    .append("<th>state</th><th>age (days)</th><th>DNS record</th><th>record removable after</th></tr>\n");
            for (Object so : list(d.get("selectors"))) {
                Map<String, Object> s = map(so);
                b.append("<tr><td class=\"selector\">").append(Html.escape(s.get("selector"))).append("</td><td>")
                        .append(Html.escape(s.get("algorithm"))).append("</td><td>").append(Html.escape(s.get("bits")))
                        .append("</td><td class=\"state ").append(Html.escape(s.get("state"))).append("\">")
                        .append(Html.escape(s.get("state"))).append("</td><td>").append(Html.escape(s.get("age_days")))
                        .append("</td><td>").append(Html.escape(s.get("dns"))).append("</td><td>")
                        .append(Html.escape(s.get("record_removable_after") == null ? "-"
                                : s.get("record_removable_after"))).append("</td></tr>\n");
            }
            b.append("</table>\n");
            List<Object> checks = list(d.get("sender_checks"));
            if (checks.isEmpty()) {
                b.append("<p class=\"checks\">sender checks: not run</p>\n");
            } else {
                b.append("<ul class=\"checks\">");
                for (Object co : checks) {
                    Map<String, Object> c = map(co);
                    b.append("<li class=\"").append(Html.escape(c.get("status"))).append("\">")
                            .append(Html.escape(c.get("check"))).append(" ").append(Html.escape(c.get("status")))
                            .append(": ").append(Html.escape(c.get("detail"))).append("</li>");
                }
                b.append("</ul>\n<p class=\"checked\">checked ").append(Html.escape(d.get("checked"))).append("</p>\n");
            }
            b.append("</article>\n");
        }
        b.append("</div>\n</section>\n");
    }

    private static void traffic(StringBuilder b, Map<String, Object> t) {
        b.append("<section id=\"traffic\">\n<h2>Traffic, last hour</h2>\n<div class=\"body\">\n")
                .append("<table class=\"totals\">\n");
        row(b, "accepted", total(t.get("accepted")));
        map(t.get("rejected")).forEach((reason, v) -> row(b, "rejected: " + reason, total(v)));
        map(t.get("signed")).forEach((key, v) -> row(b, "signed: " + key, total(v)));
        row(b, "delivered", total(t.get("delivered")));
        row(b, "deferred", total(t.get("deferred")));
        row(b, "failed", total(t.get("failed")));
        b.append("</table>\n<div id=\"charts\"></div>\n</div>\n</section>\n");
    }

    private static void tls(StringBuilder b, Map<String, Object> t) {
        b.append("<section id=\"tls\">\n<h2>Client TLS, last 24 hours</h2>\n<div class=\"body\">\n<p>profile ")
                .append(Html.escape(t.get("profile")));
        if (t.get("stricter_profile") != null) {
            b.append("; ").append(Html.escape(t.get("stricter_profile"))).append(" would refuse ")
                    .append(Html.escape(t.get("refused_by_stricter"))).append(" of ").append(Html.escape(t.get("total")))
                    .append(" sessions (").append(Html.escape(t.get("refused_percent"))).append(" %)");
        } else {
            b.append(" (the strictest)");
        }
        b.append("</p>\n<table>\n<tr><th>protocol</th><th>cipher</th><th>sessions</th><th>refused by stricter</th></tr>\n");
        for (Object o : list(t.get("sessions"))) {
            Map<String, Object> s = map(o);
            b.append("<tr><td>").append(Html.escape(s.get("protocol"))).append("</td><td>")
                    .append(Html.escape(s.get("cipher"))).append("</td><td>").append(Html.escape(s.get("sessions")))
                    .append("</td><td>").append(Boolean.TRUE.equals(s.get("refused_by_stricter")) ? "yes" : "no")
                    .append("</td></tr>\n");
        }
        b.append("</table>\n</div>\n</section>\n");
    }

    private static void queue(StringBuilder b, Map<String, Object> q) {
        b.append("<section id=\"queue\">\n<h2>Queue</h2>\n<div class=\"body\">\n<p><span id=\"queue-size\">")
                .append(Html.escape(q.get("size"))).append("</span> messages queued, the oldest ")
                .append(Html.escape(age(q.get("oldest_age_seconds")))).append(" old</p>\n");
        if (q.get("problem") != null) {
            b.append("<p class=\"bad\">").append(Html.escape(q.get("problem"))).append("</p>\n");
        }
        b.append("<h3>Deferred, by destination</h3>\n<table class=\"deferred\">\n<tr><th>destination</th>")
                .append("<th>messages</th><th>recipients</th><th>next attempt</th><th>last error</th></tr>\n");
        for (Object o : list(q.get("deferred"))) {
            Map<String, Object> d = map(o);
            b.append("<tr><td>").append(Html.escape(d.get("destination"))).append("</td><td>")
                    .append(Html.escape(d.get("messages"))).append("</td><td>").append(Html.escape(d.get("recipients")))
                    .append("</td><td>").append(Html.escape(d.get("next_attempt"))).append("</td><td>")
                    .append(Html.escape(d.get("last_error") == null ? "-" : d.get("last_error")))
                    .append("</td></tr>\n");
        }
        b.append("</table>\n<h3>Last failures</h3>\n<div class=\"scroll\">\n<table class=\"failures\">\n")
                .append("<tr><th>time (UTC)</th><th>id</th>")
                .append("<th>domain</th><th>result</th><th>reply</th></tr>\n");
        for (Object o : list(q.get("failures"))) {
            Map<String, Object> f = map(o);
            String time = String.valueOf(f.get("time"));
            b.append("<tr><td title=\"").append(Html.escape(time)).append("\">")
                    .append(Html.escape(time.length() >= 19 ? time.substring(11, 19) : time)).append("</td><td>")
                    .append(Html.escape(f.get("id")))
                    .append("</td><td>").append(Html.escape(f.get("domain"))).append("</td><td>")
                    .append(Html.escape(f.get("result"))).append("</td><td class=\"reply\">")
                    .append(Html.escape(f.get("reply"))).append("</td></tr>\n");
        }
        b.append("</table>\n</div>\n</div>\n</section>\n");
    }

    /** Seconds as the page shows them: 27s, 4m 27s, 3h 4m, 2d 3h (console.js does the same). */
    static String age(Object seconds) {
        long s = seconds instanceof Number n ? n.longValue() : 0;
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return s / 60 + "m " + s % 60 + "s";
        }
        if (s < 86400) {
            return s / 3600 + "h " + s % 3600 / 60 + "m";
        }
        return s / 86400 + "d " + s % 86400 / 3600 + "h";
    }

    private static long total(Object values) {
        return list(values).stream().mapToLong(v -> ((Number) v).longValue()).sum();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o == null ? Map.of() : (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        return o == null ? List.of() : (List<Object>) o;
    }
}
