package works.cast.relay.server.queue;

import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import works.cast.relay.core.mail.TlsRequirement;
import works.cast.relay.server.message.QueueEntry;
import works.cast.relay.server.message.QueueId;
import works.cast.relay.server.message.RecipientState;
import works.cast.relay.server.message.RecipientStatus;
import works.cast.relay.server.message.Reply;

/**
 * The {@code key value} lines of the queue's files (values percent-encoded so that no value holds a space or line
 * break, one {@code rcpt} line per recipient), shared by the v2 {@link MessageFile} header and {@link StateFile}, and
 * the whole v1 {@code <id>.meta} file that relays before v2 wrote (still read for the upgrade, and rewritten by
 * {@code queue retry} on a stopped relay's v1 messages), with the prepended header bytes in base64:
 *
 * <pre>
 * dkim-relay-queue 1
 * id 01JD3M8Q2W6XK9ZT
 * received 2026-11-28T04:30:00Z
 * from billing%40cast.works
 * size 5120
 * eight-bit false
 * smtp-utf8 false
 * client 10.0.0.5
 * user billing
 * tls-requirement requiretls           only when REQUIRETLS or TLS-Required: No tagged it (RFC 8689)
 * prepend UmVjZWl2ZWQ6IGZyb20...
 * rcpt a%40example.net state=pending attempts=1 next=2026-11-28T04:31:00Z code=451 enhanced=4.4.1 text=... remote=... host=...
 * </pre>
 */
final class MetaFormat {

    static final String MAGIC = "dkim-relay-queue 1";
    /** The key of the TLS requirement line. */
    static final String TLS = "tls-requirement";

    private MetaFormat() {
    }

    static byte[] write(QueueEntry e) {
        StringBuilder sb = new StringBuilder(512 + e.prepend().length * 4 / 3);
        sb.append(MAGIC).append('\n');
        common(sb, e);
        sb.append("size ").append(e.size()).append('\n');
        sb.append("prepend ").append(Base64.getEncoder().encodeToString(e.prepend())).append('\n');
        recipients(sb, e.recipients());
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The fields both formats share: id, received, from, eight-bit, smtp-utf8, client, user and, when the message
     * has one, its TLS requirement (absent in files written before it, which read as no requirement).
     */
    static void common(StringBuilder sb, QueueEntry e) {
        sb.append("id ").append(e.id().value()).append('\n')
                .append("received ").append(e.received()).append('\n')
                .append("from ").append(enc(e.reversePath())).append('\n')
                .append("eight-bit ").append(e.eightBit()).append('\n')
                .append("smtp-utf8 ").append(e.smtpUtf8()).append('\n')
                .append("client ").append(enc(e.client())).append('\n');
        e.authUser().ifPresent(u -> sb.append("user ").append(enc(u)).append('\n'));
        if (e.tls() != TlsRequirement.DEFAULT) {
            sb.append(TLS).append(' ').append(e.tls().label()).append('\n');
        }
    }

    /** One {@code rcpt} line per recipient. */
    static void recipients(StringBuilder sb, List<RecipientStatus> recipients) {
        for (RecipientStatus r : recipients) {
            sb.append("rcpt ").append(enc(r.address()))
                    .append(" state=").append(r.state().label())
                    .append(" attempts=").append(r.attempts())
                    .append(" next=").append(r.nextAttempt());
            r.lastReply().ifPresent(reply -> sb.append(" code=").append(reply.code())
                    .append(" enhanced=").append(enc(reply.enhanced()))
                    .append(" text=").append(enc(String.join("\n", reply.lines()))));
            r.remote().ifPresent(remote -> sb.append(" remote=").append(enc(remote)));
            r.remoteHost().ifPresent(host -> sb.append(" host=").append(enc(host)));
            sb.append('\n');
        }
    }

    /** Parses a whole v1 {@code .meta} file; {@code name} names it in errors. */
    static QueueEntry parse(byte[] data, String name) throws IOException {
        String text = new String(data, StandardCharsets.UTF_8);
        if (!text.startsWith(MAGIC + "\n") || !text.endsWith("\n")) {
            throw new IOException("meta file " + name + ": not a complete dkim-relay queue file");
        }
        Fields f = fields(text.substring(MAGIC.length() + 1), "meta file " + name);
        try {
            return f.entry(Long.parseLong(f.take("size")), Base64.getDecoder().decode(f.take("prepend")));
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw new IOException("meta file " + name + ": " + e.getMessage());
        }
    }

    /** The {@code key value} lines of a file, each ending in a line feed; {@code what} names the file in errors. */
    static Fields fields(String lines, String what) throws IOException {
        String[] split = lines.split("\n", -1);
        Map<String, String> fields = new HashMap<>();
        List<RecipientStatus> recipients = new ArrayList<>();
        for (int i = 0; i < split.length - 1; i++) {
            String line = split[i];
            int sp = line.indexOf(' ');
            String key = sp < 0 ? line : line.substring(0, sp);
            String value = sp < 0 ? "" : line.substring(sp + 1);
            try {
                if (key.equals("rcpt")) {
                    recipients.add(recipient(value));
                } else if (fields.put(key, value) != null) {
                    throw new IllegalArgumentException("repeated " + key);
                }
            } catch (IllegalArgumentException | DateTimeParseException e) {
                throw new IOException(what + " line " + (i + 2) + ": " + e.getMessage());
            }
        }
        return new Fields(fields, recipients, what);
    }

    /** Parsed lines: the single-valued fields and the recipients in file order. */
    record Fields(Map<String, String> values, List<RecipientStatus> recipients, String what) {

        String take(String key) {
            return need(values, key);
        }

        /** The entry these fields describe, once the format's own fields are taken; unknown fields are errors. */
        QueueEntry entry(long size, byte[] prepend) throws IOException {
            try {
                QueueEntry entry = new QueueEntry(new QueueId(take("id")), dec(take("from")), recipients,
                        Instant.parse(take("received")), size, bool(take("eight-bit")), bool(take("smtp-utf8")),
                        prepend, dec(take("client")), Optional.ofNullable(values.get("user")).map(MetaFormat::dec),
                        tls(values.get(TLS)));
                Map<String, String> rest = new HashMap<>(values);
                rest.keySet().removeAll(List.of("id", "from", "received", "size", "eight-bit", "smtp-utf8",
                        "prepend", "client", "user", TLS));
                if (!rest.isEmpty()) {
                    throw new IllegalArgumentException("unknown fields " + rest.keySet());
                }
                return entry;
            } catch (IllegalArgumentException | DateTimeParseException e) {
                throw new IOException(what + ": " + e.getMessage());
            }
        }
    }

    private static TlsRequirement tls(String label) {
        if (label == null) {
            return TlsRequirement.DEFAULT;
        }
        return TlsRequirement.ofLabel(label).filter(t -> t != TlsRequirement.DEFAULT)
                .orElseThrow(() -> new IllegalArgumentException("bad " + TLS + " '" + label + "'"));
    }

    private static RecipientStatus recipient(String value) {
        String[] parts = value.split(" ");
        Map<String, String> tags = new HashMap<>();
        for (int i = 1; i < parts.length; i++) {
            int eq = parts[i].indexOf('=');
            if (eq < 0 || tags.put(parts[i].substring(0, eq), parts[i].substring(eq + 1)) != null) {
                throw new IllegalArgumentException("bad recipient tag '" + parts[i] + "'");
            }
        }
        Optional<Reply> reply = Optional.empty();
        if (tags.containsKey("code")) {
            reply = Optional.of(new Reply(Integer.parseInt(tags.get("code")), dec(need(tags, "enhanced")),
                    List.of(dec(need(tags, "text")).split("\n", -1))));
        }
        return new RecipientStatus(dec(parts[0]), RecipientState.parse(need(tags, "state")),
                Integer.parseInt(need(tags, "attempts")), Instant.parse(need(tags, "next")), reply,
                Optional.ofNullable(tags.get("remote")).map(MetaFormat::dec),
                Optional.ofNullable(tags.get("host")).map(MetaFormat::dec));
    }

    private static String need(Map<String, String> m, String key) {
        String v = m.get(key);
        if (v == null) {
            throw new IllegalArgumentException("missing " + key);
        }
        return v;
    }

    private static boolean bool(String s) {
        if (!s.equals("true") && !s.equals("false")) {
            throw new IllegalArgumentException("not a boolean: " + s);
        }
        return Boolean.parseBoolean(s);
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    static String dec(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
