package works.cast.relay.core.dkim;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import works.cast.relay.core.dkim.canon.Canonicalization;
import works.cast.relay.core.dkim.canon.HeaderCanonicalizer;
import works.cast.relay.core.mail.HeaderBlock;
import works.cast.relay.core.mail.HeaderField;

/**
 * Which header fields a signature covers ({@code h=}) and the header data it hashes (RFC 6376 sections 5.4 and
 * 5.4.2).
 *
 * <p>Each configured name is listed once per occurrence in the message; an oversigned name is listed once more, so a
 * field of that name added later (above the signed ones) breaks the signature. Fields are taken bottom-up: the n-th
 * listing of a name is its n-th instance counted from the bottom of the header block.
 */
public final class HeaderSelection {

    /** The default signed header fields, as in the relay's reference configuration. */
    public static final List<String> DEFAULT_HEADERS = List.of("from", "reply-to", "subject", "date", "to", "cc",
            "message-id", "in-reply-to", "references", "mime-version", "content-type", "content-transfer-encoding",
            "list-id", "list-unsubscribe", "list-unsubscribe-post");

    /** The default oversigned header fields. */
    public static final Set<String> DEFAULT_OVERSIGN = Set.of("from", "subject", "to", "cc", "date", "reply-to");

    private HeaderSelection() {
    }

    /** The {@code h=} list for a message: lower-case names, {@code from} always included. */
    public static List<String> choose(HeaderBlock headers, List<String> configured, Set<String> oversign) {
        LinkedHashSet<String> names = new LinkedHashSet<>();
        names.add("from");
        for (String n : configured) {
            names.add(n.toLowerCase(Locale.ROOT));
        }
        Set<String> over = new LinkedHashSet<>();
        for (String n : oversign) {
            over.add(n.toLowerCase(Locale.ROOT));
        }
        List<String> h = new ArrayList<>();
        for (String name : names) {
            int n = headers.count(name);
            if (over.contains(name)) {
                n++;
            }
            for (int i = 0; i < n; i++) {
                h.add(name);
            }
        }
        return h;
    }

    /**
     * Appends the canonicalized fields named by {@code h}, bottom-up, to {@code out}. A name listed more often than
     * it occurs contributes nothing for the extra listings (RFC 6376 section 5.4.2).
     */
    public static void appendSignedFields(HeaderBlock headers, List<String> h, Canonicalization c,
                                          ByteArrayOutputStream out) {
        Map<String, Integer> used = new HashMap<>();
        List<HeaderField> fields = headers.fields();
        for (String name : h) {
            String lower = name.toLowerCase(Locale.ROOT);
            int skip = used.getOrDefault(lower, 0);
            int seen = 0;
            for (int i = fields.size() - 1; i >= 0; i--) {
                HeaderField f = fields.get(i);
                if (f.lowerName().equals(lower) && seen++ == skip) {
                    HeaderCanonicalizer.canonicalize(c, f, out);
                    break;
                }
            }
            used.put(lower, skip + 1);
        }
    }
}
