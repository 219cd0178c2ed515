package works.cast.relay.server.keys;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TSIG;
import org.xbill.DNS.TSIGRecord;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;
import org.xbill.DNS.Update;
import works.cast.relay.server.config.DnsUpdateConfig;

/**
 * Changes TXT records on one primary server by RFC 2136 dynamic update, each message signed with a TSIG key
 * (RFC 8945) and sent over TCP. Every change carries prerequisites (RFC 2136 section 2.4), so it never overwrites a
 * record it did not expect: {@link #add} only where no TXT record is, {@link #replace} and {@link #delete} only the
 * exact record set given. The zone comes from the config or from an SOA lookup at the server.
 *
 * <p>Blocking, at most {@link #TIMEOUT} per message; call it off event loops. Thread-safe.
 */
public final class DnsUpdater {

    /** The wait for the server's answer to one message. */
    public static final Duration TIMEOUT = Duration.ofSeconds(5);

    /** What a change found: done, nothing to do, or (for a replacement) no TXT record at the name at all. */
    public enum Outcome { CHANGED, ALREADY_SO, ABSENT }

    private final DnsUpdateConfig config;
    private final SimpleResolver resolver;

    /** Reads the TSIG secret now; a {@link DnsUpdateException} when its file is missing, open to others or bad. */
    public DnsUpdater(DnsUpdateConfig config) {
        this.config = config;
        String secret = TsigSecret.read(config.secretFile());
        TSIG tsig;
        try {
            tsig = new TSIG(TSIG.algorithmToName(config.algorithm()), Name.fromString(absolute(config.keyName())),
                    secret);
        } catch (TextParseException | IllegalArgumentException e) {
            throw new DnsUpdateException("TSIG key " + config.keyName() + ": " + e.getMessage(), e);
        }
        resolver = new SimpleResolver(config.server());
        resolver.setTCP(true);
        resolver.setTimeout(TIMEOUT);
        resolver.setTSIGKey(tsig);
    }

    public DnsUpdateConfig config() {
        return config;
    }

    /** The zone holding {@code name}: the configured one, else the owner of the SOA the server answers with. */
    public String zoneOf(String name) {
        if (config.zone().isPresent()) {
            return config.zone().get();
        }
        Message q = Message.newQuery(Record.newRecord(name(name), Type.SOA, DClass.IN));
        Message r = send(q, "SOA lookup for " + name);
        if (r.getRcode() != Rcode.NOERROR && r.getRcode() != Rcode.NXDOMAIN) {
            throw fail("SOA lookup for " + name, r);
        }
        for (int section : new int[] {Section.ANSWER, Section.AUTHORITY}) {
            for (Record rec : r.getSection(section)) {
                if (rec.getType() == Type.SOA) {
                    return lower(rec.getName());
                }
            }
        }
        throw new DnsUpdateException("cannot find the zone of " + name + ": " + config.describeServer() + " answered"
                + " without an SOA record (is it authoritative for it? set dns-update.zone)");
    }

    /** Adds the TXT record where no TXT record is; the same record already there is {@code ALREADY_SO}. */
    public Outcome add(String name, List<String> strings) {
        String zone = zoneOf(name);
        TXTRecord record = txt(name, strings);
        Update u = new Update(name(zone));
        u.absent(record.getName(), Type.TXT);
        u.add(record);
        Message r = send(u, "adding TXT " + name);
        if (r.getRcode() == Rcode.NOERROR) {
            return Outcome.CHANGED;
        }
        if (r.getRcode() != Rcode.YXRRSET) {
            throw fail("adding TXT " + name, r);
        }
        if (exactly(zone, record)) {
            return Outcome.ALREADY_SO;
        }
        throw new DnsUpdateException("adding TXT " + name + " at " + config.describeServer() + " refused: another"
                + " TXT record is already there (YXRRSET); it was left as it is: remove it, or use another selector");
    }

    /**
     * Replaces exactly {@code expected} by {@code next}; already {@code next} is {@code ALREADY_SO}, no TXT record
     * at all (deleted by someone) is {@code ABSENT} and adds nothing.
     */
    public Outcome replace(String name, List<String> expected, List<String> next) {
        String zone = zoneOf(name);
        TXTRecord old = txt(name, expected);
        TXTRecord record = txt(name, next);
        Update u = new Update(name(zone));
        u.present(prerequisite(old));
        u.delete(old.getName(), Type.TXT);
        u.add(record);
        Message r = send(u, "replacing TXT " + name);
        if (r.getRcode() == Rcode.NOERROR) {
            return Outcome.CHANGED;
        }
        if (r.getRcode() == Rcode.NXRRSET && exactly(zone, record)) {
            return Outcome.ALREADY_SO;
        }
        if (r.getRcode() == Rcode.NXRRSET && absent(zone, old)) {
            return Outcome.ABSENT;
        }
        if (r.getRcode() == Rcode.NXRRSET) {
            throw new DnsUpdateException("replacing TXT " + name + " at " + config.describeServer() + " refused: the"
                    + " record there is not the one expected (NXRRSET); it was left as it is");
        }
        throw fail("replacing TXT " + name, r);
    }

    /** Deletes the TXT record set when it is exactly {@code expected}; no TXT record at all is {@code ALREADY_SO}. */
    public Outcome delete(String name, List<String> expected) {
        String zone = zoneOf(name);
        TXTRecord old = txt(name, expected);
        Update u = new Update(name(zone));
        u.present(prerequisite(old));
        u.delete(old.getName(), Type.TXT);
        Message r = send(u, "deleting TXT " + name);
        if (r.getRcode() == Rcode.NOERROR) {
            return Outcome.CHANGED;
        }
        if (r.getRcode() == Rcode.NXRRSET) {
            if (absent(zone, old)) {
                return Outcome.ALREADY_SO;
            }
            throw new DnsUpdateException("deleting TXT " + name + " at " + config.describeServer() + " refused: the"
                    + " record there is not the one expected (NXRRSET); it was left as it is");
        }
        throw fail("deleting TXT " + name, r);
    }

    /** True when there is no TXT record at the record's name (a prerequisite-only update). */
    private boolean absent(String zone, TXTRecord record) {
        Update u = new Update(name(zone));
        u.absent(record.getName(), Type.TXT);
        Message r = send(u, "checking TXT " + record.getName());
        if (r.getRcode() == Rcode.NOERROR) {
            return true;
        }
        if (r.getRcode() == Rcode.YXRRSET) {
            return false;
        }
        throw fail("checking TXT " + record.getName(), r);
    }

    /** True when the TXT record set at the record's name is exactly this record (a prerequisite-only update). */
    private boolean exactly(String zone, TXTRecord record) {
        Update u = new Update(name(zone));
        u.present(prerequisite(record));
        Message r = send(u, "checking TXT " + record.getName());
        if (r.getRcode() == Rcode.NOERROR) {
            return true;
        }
        if (r.getRcode() == Rcode.NXRRSET) {
            return false;
        }
        throw fail("checking TXT " + record.getName(), r);
    }

    /** A value-dependent prerequisite carries TTL 0 (RFC 2136 section 2.4.2); any other TTL is a FORMERR. */
    private static TXTRecord prerequisite(TXTRecord r) {
        return new TXTRecord(r.getName(), DClass.IN, 0, r.getStrings());
    }

    private TXTRecord txt(String name, List<String> strings) {
        return new TXTRecord(name(name), DClass.IN, config.ttl().toSeconds(), strings);
    }

    private Message send(Message m, String what) {
        try {
            return resolver.sendAsync(m).toCompletableFuture().get(TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DnsUpdateException(what + " at " + config.describeServer() + ": interrupted", e);
        } catch (TimeoutException e) {
            throw timeout(what, e);
        } catch (ExecutionException | CompletionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof SocketTimeoutException || cause instanceof TimeoutException) {
                throw timeout(what, cause);
            }
            throw new DnsUpdateException(what + " at " + config.describeServer() + " failed: "
                    + (cause instanceof IOException ? cause.getMessage() : cause.toString()), cause);
        }
    }

    private DnsUpdateException timeout(String what, Throwable cause) {
        return new DnsUpdateException(what + " at " + config.describeServer() + " failed: timeout (no answer within "
                + TIMEOUT.toSeconds() + "s)", cause);
    }

    /** One line: the RCODE, the TSIG error if any, and what it usually means. */
    private DnsUpdateException fail(String what, Message r) {
        TSIGRecord t = r.getTSIG();
        int tsigError = t == null ? Rcode.NOERROR : t.getError();
        String rcode = Rcode.string(r.getRcode());
        StringBuilder sb = new StringBuilder(what).append(" at ").append(config.describeServer()).append(" failed: ")
                .append(rcode);
        if (tsigError != Rcode.NOERROR) {
            sb.append(" (TSIG ").append(Rcode.TSIGstring(tsigError)).append(')');
        }
        sb.append(": ").append(hint(r.getRcode(), tsigError));
        return new DnsUpdateException(sb.toString());
    }

    private String hint(int rcode, int tsigError) {
        String key = "TSIG key " + config.keyName() + " (" + config.secretFile() + ")";
        if (tsigError == Rcode.BADSIG) {
            return "the secret of " + key + " is not the server's";
        }
        if (tsigError == Rcode.BADKEY) {
            return "the server does not know " + key + " with algorithm " + config.algorithm();
        }
        if (tsigError == Rcode.BADTIME) {
            return "this machine's clock and the server's differ by more than " + TSIG.FUDGE.toSeconds() + "s";
        }
        return switch (rcode) {
            case Rcode.REFUSED -> "the server's update policy does not let " + key + " change this name";
            case Rcode.NOTAUTH -> "the server is not authoritative for the zone (or does not accept " + key + ")";
            case Rcode.NOTZONE -> "the name is not inside the zone (check dns-update.zone)";
            case Rcode.SERVFAIL -> "the server failed (see its log)";
            case Rcode.NOTIMP -> "the server does not take dynamic updates";
            default -> "unexpected answer";
        };
    }

    private static Name name(String name) {
        try {
            return Name.fromString(absolute(name));
        } catch (TextParseException e) {
            throw new DnsUpdateException("dns name \"" + name + "\": " + e.getMessage(), e);
        }
    }

    private static String absolute(String name) {
        return name.endsWith(".") ? name : name + ".";
    }

    private static String lower(Name n) {
        String s = n.toString(true).toLowerCase(Locale.ROOT);
        return s;
    }
}
