package works.cast.relay.server.dns;

import java.util.List;
import java.util.Objects;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * The answer to one query (RFC 1035 section 4.1): the response code, whether the resolver vouched for it with the AD
 * bit (RFC 4035 section 3.2.3; meaningful only from a validating resolver on a trusted path), and the answer
 * records of the type asked (CNAMEs the resolver followed are left out).
 *
 * @param name          the name asked, absolute, lower case, without the trailing dot
 * @param type          the type asked ({@link Type})
 * @param rcode         the response code ({@link Rcode})
 * @param authenticated the AD bit
 * @param records       the answer records of {@code type}
 */
public record DnsAnswer(String name, int type, int rcode, boolean authenticated, List<Record> records) {

    public DnsAnswer {
        Objects.requireNonNull(name, "name");
        records = List.copyOf(records);
    }

    static DnsAnswer of(String name, int type, Message response) {
        List<Record> records = response.getSection(Section.ANSWER).stream().filter(r -> r.getType() == type)
                .toList();
        return new DnsAnswer(name, type, response.getRcode(), response.getHeader().getFlag(org.xbill.DNS.Flags.AD),
                records);
    }

    /** NXDOMAIN: the name does not exist. */
    public boolean noSuchName() {
        return rcode == Rcode.NXDOMAIN;
    }

    /** NOERROR or NXDOMAIN: an answer to rely on (possibly empty); anything else may pass. */
    public boolean isDefinite() {
        return rcode == Rcode.NOERROR || rcode == Rcode.NXDOMAIN;
    }

    /** For messages: {@code NXDOMAIN}, {@code SERVFAIL}, ... */
    public String rcodeText() {
        return Rcode.string(rcode);
    }

    @Override
    public String toString() {
        return name + " " + Type.string(type) + " " + rcodeText() + " " + records.size() + " record(s)"
                + (authenticated ? " ad" : "");
    }
}
