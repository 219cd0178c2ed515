package works.cast.relay.core.keys;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The DNS TXT record of a DKIM key, as text to publish: the record value, its split into character-strings of at
 * most 255 bytes (RFC 1035 section 3.3.14), and the zone-file stub in the form {@code opendkim-genkey} writes.
 */
public final class DnsTxtRecord {

    /** Largest character-string in a TXT record. */
    public static final int MAX_STRING = 255;

    private DnsTxtRecord() {
    }

    /** The record value, for example {@code v=DKIM1; k=ed25519; p=...}. */
    public static String value(SigningKey key) {
        String h = key.algorithm() == works.cast.relay.core.dkim.SigningAlgorithm.RSA_SHA256 ? "h=sha256; " : "";
        return "v=DKIM1; " + h + "k=" + key.algorithm().keyType() + "; p=" + key.publicKeyBase64();
    }

    /** The owner name of the record, {@code selector._domainkey.domain}. */
    public static String owner(String selector, String domain) {
        return selector + "._domainkey." + domain;
    }

    /** Splits a value into strings of at most 255 bytes, breaking after "; " where that suffices. */
    public static List<String> split(String value) {
        List<String> out = new ArrayList<>();
        int p = value.indexOf("p=");
        String head = p > 0 ? value.substring(0, p) : "";
        String rest = p > 0 ? value.substring(p) : value;
        if (!head.isEmpty()) {
            out.add(head);
        }
        while (rest.getBytes(StandardCharsets.US_ASCII).length > MAX_STRING) {
            out.add(rest.substring(0, MAX_STRING));
            rest = rest.substring(MAX_STRING);
        }
        out.add(rest);
        return out;
    }

    /** The zone-file stub, as {@code opendkim-genkey} writes it into {@code selector.txt}. */
    public static String zoneFile(String selector, String domain, SigningKey key) {
        List<String> parts = split(value(key));
        StringBuilder sb = new StringBuilder();
        sb.append(selector).append("._domainkey\tIN\tTXT\t( ");
        for (int i = 0; i < parts.size(); i++) {
            if (i > 0) {
                sb.append("\n\t  ");
            }
            sb.append('"').append(parts.get(i)).append('"');
        }
        sb.append(" )  ; ----- DKIM key ").append(selector).append(" for ").append(domain).append('\n');
        return sb.toString();
    }

    /**
     * Reads the record value back from zone-file text (a {@code .txt} from opendkim-genkey, or one line of
     * {@code dig} output): the quoted strings joined, or the text itself when it has no quotes.
     */
    public static String parseZoneFile(String text) {
        StringBuilder sb = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"') {
                quoted = !quoted;
                any = true;
            } else if (quoted) {
                if (c == '\\' && i + 1 < text.length()) {
                    c = text.charAt(++i);
                }
                sb.append(c);
            } else if (c == ';' && !quoted) {
                // a zone-file comment outside quotes: skip to end of line
                while (i < text.length() && text.charAt(i) != '\n') {
                    i++;
                }
            }
        }
        return any ? sb.toString() : text.strip();
    }
}
