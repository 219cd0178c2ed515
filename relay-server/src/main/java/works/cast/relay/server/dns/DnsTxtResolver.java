package works.cast.relay.server.dns;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import javax.naming.CommunicationException;
import javax.naming.NameNotFoundException;
import javax.naming.NamingEnumeration;
import javax.naming.NamingException;
import javax.naming.OperationNotSupportedException;
import javax.naming.ServiceUnavailableException;
import javax.naming.directory.Attribute;
import javax.naming.directory.Attributes;
import javax.naming.directory.DirContext;
import javax.naming.directory.InitialDirContext;
import works.cast.relay.core.dkim.KeyResolver;

/**
 * DNS TXT lookups through the JDK's DNS provider ({@code com.sun.jndi.dns}): DKIM key records (RFC 6376 section
 * 3.6.2), SPF (RFC 7208) and DMARC (RFC 7489) records. Asks a given server, or the system's resolvers when none is
 * given. NXDOMAIN and "no TXT" are {@code NotFound}; timeouts, SERVFAIL and REFUSED are {@code TempError}.
 *
 * <p>Thread-safe: each lookup uses its own JNDI context. Lookups block for at most about
 * {@code timeout * (2^retries - 1)}; call them off event loops.
 */
public final class DnsTxtResolver implements KeyResolver, TxtSource {

    private final Optional<String> server;
    private final Duration timeout;
    private final int retries;

    /**
     * @param server  {@code host} or {@code host:port} (port 53 by default), or empty for the system resolvers
     * @param timeout the first wait for an answer; it doubles on each retry
     * @param retries how many times to ask in all (at least 1)
     */
    public DnsTxtResolver(Optional<String> server, Duration timeout, int retries) {
        this.server = Objects.requireNonNull(server, "server").map(DnsTxtResolver::providerUrl);
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        if (retries < 1) {
            throw new IllegalArgumentException("retries: must be at least 1");
        }
        this.retries = retries;
    }

    /** Asks {@code host[:port]}, or the system resolvers when empty; 1 s timeout, 2 tries. */
    public static DnsTxtResolver of(Optional<String> server) {
        return new DnsTxtResolver(server, Duration.ofSeconds(1), 2);
    }

    private static String providerUrl(String hostPort) {
        String s = hostPort.strip();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("dns server: empty");
        }
        String host = s;
        String port = "53";
        if (s.startsWith("[")) { // [::1]:5353
            int end = s.indexOf(']');
            if (end < 0) {
                throw new IllegalArgumentException("dns server: '" + hostPort + "' has no closing ]");
            }
            host = s.substring(0, end + 1);
            if (end + 1 < s.length()) {
                port = portOf(hostPort, s.substring(end + 1));
            }
        } else if (s.indexOf(':') > 0 && s.indexOf(':') == s.lastIndexOf(':')) {
            host = s.substring(0, s.indexOf(':'));
            port = portOf(hostPort, s.substring(s.indexOf(':')));
        } else if (s.indexOf(':') >= 0) {
            host = "[" + s + "]"; // a bare IPv6 address
        }
        return "dns://" + host + ":" + port;
    }

    private static String portOf(String hostPort, String colonPort) {
        try {
            int p = Integer.parseInt(colonPort.substring(1));
            if (p < 1 || p > 65535) {
                throw new NumberFormatException();
            }
            return Integer.toString(p);
        } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
            throw new IllegalArgumentException("dns server: '" + hostPort + "' has no valid port (HOST[:PORT])");
        }
    }

    /** The server asked, as a {@code dns://} URL, or "system resolver". */
    public String describe() {
        return server.orElse("system resolver");
    }

    @Override
    public Lookup lookup(String selector, String domain) {
        return lookupTxt(selector + "._domainkey." + domain);
    }

    /** The TXT records at {@code name}, each with its strings joined (for SPF and DMARC too). */
    public Lookup lookupTxt(String name) {
        TxtResult r = lookupStrings(name);
        if (r instanceof TxtResult.Records rec) {
            return new Found(rec.joined());
        }
        if (r instanceof TxtResult.NotFound nf) {
            return new NotFound(nf.reason());
        }
        return new TempError(((TxtResult.TempError) r).reason());
    }

    @Override
    public TxtResult lookupStrings(String name) {
        String n = name.strip().toLowerCase(Locale.ROOT);
        if (n.endsWith(".")) {
            n = n.substring(0, n.length() - 1);
        }
        DirContext ctx = null;
        try {
            ctx = new InitialDirContext(environment());
            Attributes attrs = ctx.getAttributes(n, new String[] {"TXT"});
            Attribute txt = attrs.get("TXT");
            if (txt == null || txt.size() == 0) {
                return new TxtResult.NotFound(n + ": no TXT record");
            }
            List<List<String>> records = new ArrayList<>();
            NamingEnumeration<?> values = txt.getAll();
            while (values.hasMore()) {
                Object v = values.next();
                records.add(v instanceof byte[] b ? List.of(new String(b, java.nio.charset.StandardCharsets.ISO_8859_1))
                        : JndiTxtStrings.parse(String.valueOf(v)));
            }
            return new TxtResult.Records(records);
        } catch (NameNotFoundException e) {
            return new TxtResult.NotFound(n + ": no such name (NXDOMAIN)");
        } catch (CommunicationException e) {
            return new TxtResult.TempError(n + ": no answer from " + describe() + " (" + e.getMessage() + ")");
        } catch (ServiceUnavailableException e) {
            return new TxtResult.TempError(n + ": server failure (SERVFAIL) from " + describe());
        } catch (OperationNotSupportedException e) {
            return new TxtResult.TempError(n + ": refused by " + describe() + " (" + e.getMessage() + ")");
        } catch (NamingException e) {
            return new TxtResult.TempError(n + ": lookup failed at " + describe() + " (" + e.getMessage() + ")");
        } finally {
            if (ctx != null) {
                try {
                    ctx.close();
                } catch (NamingException ignored) {
                    // nothing held open
                }
            }
        }
    }

    private Hashtable<String, String> environment() {
        Hashtable<String, String> env = new Hashtable<>();
        env.put("java.naming.factory.initial", "com.sun.jndi.dns.DnsContextFactory");
        env.put("java.naming.provider.url", server.orElse("dns:"));
        env.put("com.sun.jndi.dns.timeout.initial", Long.toString(Math.max(1, timeout.toMillis())));
        env.put("com.sun.jndi.dns.timeout.retries", Integer.toString(retries));
        env.put("com.sun.jndi.dns.recursion", "true");
        return env;
    }
}
