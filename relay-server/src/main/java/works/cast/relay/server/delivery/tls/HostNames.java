package works.cast.relay.server.delivery.tls;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/** Host name checks of a server certificate (RFC 6125 section 6.4, as RFC 8461 section 4.1 and RFC 7672 use them). */
final class HostNames {

    private HostNames() {
    }

    /** Lower case, without the trailing dot. */
    static String normalize(String host) {
        String h = host.strip().toLowerCase(Locale.ROOT);
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }

    /** The certificate's DNS subjectAltNames, lower case. */
    static List<String> dnsNames(X509Certificate cert) {
        List<String> out = new ArrayList<>();
        Collection<List<?>> sans;
        try {
            sans = cert.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return out;
        }
        if (sans != null) {
            for (List<?> san : sans) {
                if (san.size() >= 2 && Integer.valueOf(2).equals(san.get(0)) && san.get(1) instanceof String s) {
                    out.add(normalize(s));
                }
            }
        }
        return out;
    }

    /**
     * True when one of the certificate's DNS names is {@code host}, or is {@code *.} followed by the host without its
     * first label (a wildcard only as the whole leftmost label). The subject CN is not consulted.
     */
    static boolean matches(X509Certificate cert, String host) {
        String h = normalize(host);
        for (String name : dnsNames(cert)) {
            if (name.equals(h)) {
                return true;
            }
            if (name.startsWith("*.")) {
                int dot = h.indexOf('.');
                if (dot > 0 && h.substring(dot + 1).equals(name.substring(2))) {
                    return true;
                }
            }
        }
        return false;
    }
}
