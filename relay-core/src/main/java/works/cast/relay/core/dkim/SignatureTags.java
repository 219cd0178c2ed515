package works.cast.relay.core.dkim;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import works.cast.relay.core.dkim.canon.Canonicalization;
import works.cast.relay.core.mail.HeaderField;

/**
 * The tags of one DKIM-Signature field as a verifier reads them (RFC 6376 section 3.5), validated: required tags
 * present, known version, algorithm and canonicalization, {@code h=} covering From, {@code i=} within {@code d=}.
 */
record SignatureTags(HeaderField field, String domain, String selector, String algorithmText,
                     SigningAlgorithm algorithm, Canonicalization headerCanonicalization,
                     Canonicalization bodyCanonicalization, List<String> signedHeaders, byte[] bodyHash,
                     byte[] signature, long bodyLimit, Long timestamp, Long expires) {

    /** A field that cannot be used; {@code partial} keeps what could be read, for the report. */
    static final class Invalid extends Exception {
        final String domain;
        final String selector;
        final String algorithm;

        Invalid(String reason, TagList tags) {
            super(reason);
            this.domain = tags == null ? "" : tags.get("d").orElse("");
            this.selector = tags == null ? "" : tags.get("s").orElse("");
            this.algorithm = tags == null ? "" : tags.get("a").orElse("");
        }
    }

    static SignatureTags parse(HeaderField field) throws Invalid {
        String value = new String(field.raw(), field.valueOffset(), field.valueLength(), StandardCharsets.UTF_8);
        TagList tags;
        try {
            tags = TagList.parse(value);
        } catch (IllegalArgumentException e) {
            throw new Invalid("malformed tag list: " + e.getMessage(), null);
        }
        for (String required : List.of("v", "a", "b", "bh", "d", "h", "s")) {
            if (!tags.has(required)) {
                throw new Invalid("missing required tag " + required + "=", tags);
            }
        }
        if (!tags.get("v").orElseThrow().equals("1")) {
            throw new Invalid("unsupported version v=" + tags.get("v").orElseThrow(), tags);
        }
        String a = tags.get("a").orElseThrow();
        SigningAlgorithm algorithm;
        try {
            algorithm = SigningAlgorithm.parse(a);
        } catch (IllegalArgumentException e) {
            throw new Invalid(e.getMessage(), tags);
        }
        Canonicalization hc = Canonicalization.SIMPLE;
        Canonicalization bc = Canonicalization.SIMPLE;
        if (tags.has("c")) {
            String[] c = tags.get("c").orElseThrow().split("/", -1);
            try {
                if (c.length > 2) {
                    throw new IllegalArgumentException("too many parts");
                }
                hc = Canonicalization.parse(c[0]);
                bc = c.length == 2 ? Canonicalization.parse(c[1]) : Canonicalization.SIMPLE;
            } catch (IllegalArgumentException e) {
                throw new Invalid("bad c= value '" + tags.get("c").orElseThrow() + "'", tags);
            }
        }
        String d = tags.get("d").orElseThrow().toLowerCase(Locale.ROOT);
        if (d.isEmpty()) {
            throw new Invalid("empty d=", tags);
        }
        String s = tags.get("s").orElseThrow();
        List<String> h = Arrays.stream(tags.get("h").orElseThrow().split(":"))
                .map(x -> x.replaceAll("[ \\t\\r\\n]", "").toLowerCase(Locale.ROOT)).toList();
        if (h.stream().anyMatch(String::isEmpty)) {
            throw new Invalid("empty header name in h=", tags);
        }
        if (!h.contains("from")) {
            throw new Invalid("h= does not include From", tags);
        }
        if (tags.has("i")) {
            String i = tags.get("i").orElseThrow();
            int at = i.lastIndexOf('@');
            String idomain = (at < 0 ? "" : i.substring(at + 1)).toLowerCase(Locale.ROOT);
            if (at < 0 || !(idomain.equals(d) || idomain.endsWith("." + d))) {
                throw new Invalid("i= is not within d=" + d, tags);
            }
        }
        if (tags.has("q")) {
            boolean dns = Arrays.stream(tags.get("q").orElseThrow().split(":"))
                    .anyMatch(q -> q.strip().toLowerCase(Locale.ROOT).startsWith("dns/txt"));
            if (!dns) {
                throw new Invalid("unsupported query method q=" + tags.get("q").orElseThrow(), tags);
            }
        }
        byte[] bh = base64(tags, "bh");
        byte[] b = base64(tags, "b");
        long l = -1;
        if (tags.has("l")) {
            l = number(tags, "l");
        }
        Long t = tags.has("t") ? number(tags, "t") : null;
        Long x = tags.has("x") ? number(tags, "x") : null;
        if (t != null && x != null && x < t) {
            throw new Invalid("x= is before t=", tags);
        }
        return new SignatureTags(field, d, s, a, algorithm, hc, bc, h, bh, b, l, t, x);
    }

    private static byte[] base64(TagList tags, String name) throws Invalid {
        try {
            return Base64.getDecoder().decode(tags.getCompact(name).orElseThrow());
        } catch (IllegalArgumentException e) {
            throw new Invalid(name + "= is not valid base64", tags);
        }
    }

    private static long number(TagList tags, String name) throws Invalid {
        String v = tags.get(name).orElseThrow();
        if (!v.matches("[0-9]{1,12}")) {
            throw new Invalid(name + "= is not a number: '" + v + "'", tags);
        }
        return Long.parseLong(v);
    }

    /** The field text with the {@code b=} value (and the whitespace around it) removed, for the header hash. */
    HeaderField withoutSignatureValue() {
        String text = new String(field.raw(), StandardCharsets.ISO_8859_1);
        int start = field.valueOffset();
        int pos = start;
        while (pos <= text.length()) {
            int semi = text.indexOf(';', pos);
            int specEnd = semi < 0 ? text.length() : semi;
            int eq = text.indexOf('=', pos);
            if (eq >= 0 && eq < specEnd && text.substring(pos, eq).replaceAll("[ \\t\\r\\n]", "").equals("b")) {
                int valueEnd = specEnd;
                if (semi < 0) { // last tag: keep the field's final CRLF out of the value
                    while (valueEnd > eq + 1 && (text.charAt(valueEnd - 1) == '\n' || text.charAt(valueEnd - 1) == '\r')) {
                        valueEnd--;
                    }
                }
                byte[] out = (text.substring(0, eq + 1) + text.substring(valueEnd)).getBytes(StandardCharsets.ISO_8859_1);
                return HeaderField.of(out, 0, out.length);
            }
            if (semi < 0) {
                break;
            }
            pos = semi + 1;
        }
        return field;
    }
}
