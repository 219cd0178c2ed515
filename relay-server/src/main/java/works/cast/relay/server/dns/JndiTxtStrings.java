package works.cast.relay.server.dns;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits one TXT value as the JDK's DNS provider renders it back into its character-strings. A record with one string
 * comes as the bare text; with several, they are separated by one space, and a string that is empty or holds a space,
 * a quote or a backslash is put in double quotes with {@code \"} and {@code \\} escaped.
 *
 * <pre>
 * "v=DKIM1; k=rsa; " p=MIIB...   -&gt;  [v=DKIM1; k=rsa; , p=MIIB...]
 * </pre>
 */
public final class JndiTxtStrings {

    private JndiTxtStrings() {
    }

    public static List<String> parse(String value) {
        List<String> out = new ArrayList<>();
        int i = 0;
        int n = value.length();
        while (i < n) {
            StringBuilder sb = new StringBuilder();
            if (value.charAt(i) == '"') {
                i++;
                while (i < n && value.charAt(i) != '"') {
                    char c = value.charAt(i++);
                    if (c == '\\' && i < n) {
                        c = value.charAt(i++);
                    }
                    sb.append(c);
                }
                i++; // closing quote
            } else {
                while (i < n && value.charAt(i) != ' ') {
                    sb.append(value.charAt(i++));
                }
            }
            out.add(sb.toString());
            i++; // the separating space
        }
        if (out.isEmpty()) {
            out.add("");
        }
        return out;
    }
}
