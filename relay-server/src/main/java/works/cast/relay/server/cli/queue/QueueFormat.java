package works.cast.relay.server.cli.queue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import works.cast.relay.server.delivery.ReplyText;
import works.cast.relay.server.json.Json;
import works.cast.relay.server.message.QueueEntry;
import works.cast.relay.server.message.RecipientState;
import works.cast.relay.server.message.RecipientStatus;

/**
 * Text and JSON renderings of queued messages for the {@code queue} command. Stored texts (replies, upstreams,
 * addresses) are shown through {@link ReplyText#clean}: files written by older relays may hold an upstream's control
 * characters, and none reaches the operator's terminal.
 */
final class QueueFormat {

    private QueueFormat() {
    }

    /** {@code 2d3h}, {@code 4h12m}, {@code 7m30s}, {@code 12s}. */
    static String age(Duration d) {
        long s = Math.max(0, d.getSeconds());
        if (s >= 86400) {
            return s / 86400 + "d" + (s % 86400) / 3600 + "h";
        }
        if (s >= 3600) {
            return s / 3600 + "h" + (s % 3600) / 60 + "m";
        }
        if (s >= 60) {
            return s / 60 + "m" + s % 60 + "s";
        }
        return s + "s";
    }

    static String sender(QueueEntry e) {
        return "<" + t(e.reversePath()) + ">";
    }

    static String next(QueueEntry e) {
        return e.nextAttempt().map(Instant::toString).orElse("-");
    }

    /** One summary line and one line per recipient. */
    static String summary(QueueEntry e, Instant now) {
        StringBuilder sb = new StringBuilder()
                .append(e.id()).append("  age=").append(age(Duration.between(e.received(), now)))
                .append("  from=").append(sender(e)).append("  size=").append(e.totalSize())
                .append("  attempts=").append(e.attempts()).append("  next=").append(next(e));
        if (e.tls() != works.cast.relay.core.mail.TlsRequirement.DEFAULT) {
            sb.append("  tls=").append(e.tls().label());
        }
        sb.append('\n');
        for (RecipientStatus r : e.recipients()) {
            sb.append("    ").append(t(r.address())).append("  ").append(r.state().label())
                    .append("  attempts=").append(r.attempts());
            r.lastReply().ifPresent(reply -> sb.append("  last=\"").append(t(reply.summary())).append('"'));
            sb.append('\n');
        }
        return sb.toString();
    }

    /** Everything the {@code .meta} holds, for {@code queue show}. */
    static String details(QueueEntry e, Instant now) {
        StringBuilder sb = new StringBuilder()
                .append("id:         ").append(e.id()).append('\n')
                .append("received:   ").append(e.received()).append(" (").append(age(Duration.between(e.received(), now)))
                .append(" ago)\n")
                .append("from:       ").append(sender(e)).append('\n')
                .append("size:       ").append(e.totalSize()).append(" bytes (").append(e.prepend().length)
                .append(" prepended)\n")
                .append("client:     ").append(t(e.client())).append('\n')
                .append("user:       ").append(t(e.authUser().orElse("-"))).append('\n')
                .append("tls:        ").append(e.tls().label()).append('\n')
                .append("attempts:   ").append(e.attempts()).append('\n')
                .append("next:       ").append(next(e)).append('\n')
                .append("last error: ").append(t(e.lastError().orElse("-"))).append('\n')
                .append("recipients:\n");
        for (RecipientStatus r : e.recipients()) {
            sb.append("  ").append(t(r.address())).append('\n')
                    .append("    state:    ").append(r.state().label()).append('\n')
                    .append("    attempts: ").append(r.attempts()).append('\n');
            if (r.state() == RecipientState.PENDING) {
                sb.append("    next:     ").append(r.nextAttempt()).append('\n');
            }
            r.lastReply().ifPresent(reply -> sb.append("    reply:    ").append(t(reply.summary())).append('\n'));
            r.remote().ifPresent(remote -> sb.append("    upstream: ").append(t(remote)).append('\n'));
        }
        return sb.toString();
    }

    static String json(List<QueueEntry> entries, Instant now) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < entries.size(); i++) {
            sb.append(i == 0 ? "\n  " : ",\n  ").append(json(entries.get(i), now));
        }
        return sb.append(entries.isEmpty() ? "]" : "\n]").toString();
    }

    static String json(QueueEntry e, Instant now) {
        StringBuilder sb = new StringBuilder("{")
                .append("\"id\": ").append(q(e.id().value()))
                .append(", \"received\": ").append(q(e.received().toString()))
                .append(", \"age_seconds\": ").append(Math.max(0, Duration.between(e.received(), now).getSeconds()))
                .append(", \"from\": ").append(q(e.reversePath()))
                .append(", \"size\": ").append(e.totalSize())
                .append(", \"client\": ").append(q(e.client()))
                .append(", \"user\": ").append(e.authUser().map(QueueFormat::q).orElse("null"))
                .append(", \"tls\": ").append(q(e.tls().label()))
                .append(", \"attempts\": ").append(e.attempts())
                .append(", \"next_attempt\": ").append(e.nextAttempt().map(n -> q(n.toString())).orElse("null"))
                .append(", \"last_error\": ").append(e.lastError().map(QueueFormat::q).orElse("null"))
                .append(", \"recipients\": [");
        for (int i = 0; i < e.recipients().size(); i++) {
            RecipientStatus r = e.recipients().get(i);
            sb.append(i == 0 ? "" : ", ").append("{\"address\": ").append(q(r.address()))
                    .append(", \"state\": ").append(q(r.state().label()))
                    .append(", \"attempts\": ").append(r.attempts())
                    .append(", \"next_attempt\": ").append(r.state() == RecipientState.PENDING
                            ? q(r.nextAttempt().toString()) : "null")
                    .append(", \"last_reply\": ").append(r.lastReply().map(x -> q(x.summary())).orElse("null"))
                    .append(", \"upstream\": ").append(r.remote().map(QueueFormat::q).orElse("null"))
                    .append('}');
        }
        return sb.append("]}").toString();
    }

    static String q(String s) {
        return Json.quote(t(s));
    }

    private static String t(String s) {
        return ReplyText.clean(s);
    }
}
