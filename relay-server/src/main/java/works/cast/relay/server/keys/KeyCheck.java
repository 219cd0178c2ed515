package works.cast.relay.server.keys;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import works.cast.relay.core.dkim.TagList;
import works.cast.relay.core.keys.DnsTxtRecord;
import works.cast.relay.core.keys.SelectorKey;
import works.cast.relay.server.dns.TxtResult;
import works.cast.relay.server.dns.TxtSource;

/**
 * Compares the DKIM key record published in DNS for a selector with the key in the store (RFC 6376 section 3.6.1):
 * matching, different (naming the tags), truncated (a long record cut at 255 bytes or split into separate records,
 * RFC 1035 section 3.3.14), not found, or a DNS error. Thread-safe when its {@link TxtSource} is.
 */
public final class KeyCheck {

    /** The outcome for one selector. */
    public enum Status {
        MATCH, DIFFERENT, TRUNCATED, NOT_FOUND, DNS_ERROR;

        public String text() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * One selector's check.
     *
     * @param key       the selector checked
     * @param name      the DNS name looked up
     * @param status    what was found
     * @param detail    why, and what to do, in one line; "ok" on a match
     * @param published the TXT records found, each as its strings
     */
    public record Result(SelectorKey key, String name, Status status, String detail, List<List<String>> published) {
        public Result {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(status, "status");
            published = published.stream().map(List::copyOf).toList();
        }

        public boolean matches() {
            return status == Status.MATCH;
        }
    }

    private final TxtSource dns;

    public KeyCheck(TxtSource dns) {
        this.dns = Objects.requireNonNull(dns, "dns");
    }

    /** The servers asked, for messages. */
    public String describe() {
        return dns instanceof works.cast.relay.server.dns.DnsTxtResolver r ? r.describe() : "the DNS";
    }

    /** Looks up the selector's record and compares it with the key. */
    public Result check(SelectorKey key) {
        String name = DnsTxtRecord.owner(key.selector(), key.domain().name());
        TxtResult r = dns.lookupStrings(name);
        if (r instanceof TxtResult.NotFound nf) {
            return new Result(key, name, Status.NOT_FOUND, nf.reason() + ": publish the record (dkim-relay keys dns --domain "
                    + key.domain() + ")", List.of());
        }
        if (r instanceof TxtResult.TempError e) {
            return new Result(key, name, Status.DNS_ERROR, e.reason(), List.of());
        }
        List<List<String>> records = ((TxtResult.Records) r).records();
        List<Result> each = new ArrayList<>();
        for (List<String> strings : records) {
            each.add(compare(key, name, strings, records));
        }
        if (records.size() > 1) {
            if (each.stream().anyMatch(Result::matches)) {
                return new Result(key, name, Status.DIFFERENT, records.size() + " TXT records at " + name
                        + "; verifiers may pick any: keep only the matching one", records);
            }
            if (records.stream().allMatch(s -> expectedP(key).contains(compactP(String.join("", s)).orElse("\u0000"))
                    || !String.join("", s).contains("p="))) {
                return new Result(key, name, Status.TRUNCATED, "the record is split into " + records.size()
                        + " separate TXT records: publish one TXT record made of several strings", records);
            }
        }
        return each.stream().filter(x -> x.status() == Status.TRUNCATED).findFirst().orElse(each.get(0));
    }

    private static Result compare(SelectorKey key, String name, List<String> strings, List<List<String>> all) {
        String text = String.join("", strings);
        if (text.indexOf('"') >= 0) {
            return new Result(key, name, Status.DIFFERENT, "the record contains quote characters: publish the text"
                    + " without the quotes (several strings of at most 255 bytes)", all);
        }
        TagList tags;
        try {
            tags = TagList.parse(text);
        } catch (IllegalArgumentException e) {
            return new Result(key, name, truncatedAt255(strings) ? Status.TRUNCATED : Status.DIFFERENT,
                    "the record is not a DKIM key record (" + e.getMessage() + ")", all);
        }
        String expected = expectedP(key);
        String p = tags.getCompact("p").orElse("");
        if (!p.equals(expected)) {
            if (!p.isEmpty() && expected.startsWith(p)) {
                String how = truncatedAt255(strings) ? "cut at 255 bytes: publish it as several strings of at most 255"
                        + " bytes" : "cut short";
                return new Result(key, name, Status.TRUNCATED, "p= has " + p.length() + " of " + expected.length()
                        + " characters, " + how, all);
            }
            return new Result(key, name, truncatedAt255(strings) ? Status.TRUNCATED : Status.DIFFERENT,
                    p.isEmpty() ? "p= is empty (the key is revoked)" : "p= is another key: publish this key's record",
                    all);
        }
        List<String> diffs = new ArrayList<>();
        String v = tags.get("v").orElse("DKIM1");
        if (!v.equals("DKIM1")) {
            diffs.add("v=" + v + " (expected DKIM1)");
        }
        String k = tags.get("k").orElse("rsa").toLowerCase(Locale.ROOT);
        if (!k.equals(key.key().algorithm().keyType())) {
            diffs.add("k=" + k + " (expected k=" + key.key().algorithm().keyType() + ")");
        }
        List<String> h = list(tags.get("h").orElse(""));
        if (!h.isEmpty() && !h.contains("sha256")) {
            diffs.add("h=" + String.join(":", h) + " does not allow sha256");
        }
        List<String> s = list(tags.get("s").orElse("*"));
        if (!s.contains("*") && !s.contains("email")) {
            diffs.add("s=" + String.join(":", s) + " does not allow email");
        }
        if (list(tags.get("t").orElse("")).contains("y")) {
            diffs.add("t=y (testing: receivers treat failures as unsigned; remove t=y)");
        }
        if (!diffs.isEmpty()) {
            return new Result(key, name, Status.DIFFERENT, String.join("; ", diffs), all);
        }
        return new Result(key, name, Status.MATCH, "ok", all);
    }

    private static String expectedP(SelectorKey key) {
        return key.key().publicKeyBase64();
    }

    private static java.util.Optional<String> compactP(String text) {
        try {
            return TagList.parse(text).getCompact("p");
        } catch (IllegalArgumentException e) {
            return java.util.Optional.empty();
        }
    }

    /** The last string is exactly 255 bytes: a long value put into one string and cut by the DNS software. */
    private static boolean truncatedAt255(List<String> strings) {
        return !strings.isEmpty() && strings.get(strings.size() - 1).getBytes(StandardCharsets.ISO_8859_1).length
                == DnsTxtRecord.MAX_STRING;
    }

    private static List<String> list(String v) {
        List<String> out = new ArrayList<>();
        for (String part : v.split(":")) {
            String t = part.strip().toLowerCase(Locale.ROOT);
            if (!t.isEmpty()) {
                out.add(t);
            }
        }
        return out;
    }
}
