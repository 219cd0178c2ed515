package works.cast.relay.server.dns;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.xbill.DNS.Record;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;
import works.cast.relay.core.dkim.KeyResolver;

/**
 * DNS TXT lookups through the relay's {@link DnsClient}: DKIM key records (RFC 6376 section 3.6.2), SPF (RFC 7208)
 * and DMARC (RFC 7489) records, each record's character-strings kept apart (RFC 1035 section 3.3.14). NXDOMAIN and
 * "no TXT" are {@code NotFound}; timeouts, SERVFAIL and REFUSED are {@code TempError}.
 *
 * <p>Thread-safe. {@link #txt} never blocks; {@link #lookupStrings} and {@link #lookup} wait for it (at most the
 * client's deadline): call those off event loops (the key store check thread, the commands).
 */
public final class DnsTxtResolver implements KeyResolver, TxtSource {

    private final DnsClient client;

    public DnsTxtResolver(DnsClient client) {
        this.client = Objects.requireNonNull(client, "client");
    }

    /**
     * @param server  {@code ip} or {@code ip:port} (port 53 by default), or empty for the system resolvers
     * @param timeout the wait for an answer on each try
     * @param tries   how many times to ask (at least 1)
     */
    public DnsTxtResolver(Optional<String> server, Duration timeout, int tries) {
        this(new DnsClient(server.map(s -> DnsServers.parse(List.of(s))).orElse(DnsServers.system()), timeout,
                tries));
    }

    /** The servers asked, or "system resolver". */
    public String describe() {
        return client.describe();
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
        return txt(name).join();
    }

    /** The TXT records at {@code name}; the future never fails (a failure is a {@code TempError}). */
    public CompletableFuture<TxtResult> txt(String name) {
        String n = DnsClient.normalize(name);
        return client.query(n, Type.TXT).handle((answer, e) -> e == null ? read(answer) : failure(n, e));
    }

    /**
     * The CNAME chain from {@code name}: the name itself, then each target in turn (at most 8 hops; a loop or a
     * failed lookup ends it). One element when there is no CNAME. Blocks like {@link #lookupStrings}.
     */
    public List<String> cnameChain(String name) {
        List<String> chain = new ArrayList<>(List.of(DnsClient.normalize(name)));
        for (int hop = 0; hop < 8; hop++) {
            DnsAnswer a;
            try {
                a = client.query(chain.get(chain.size() - 1), Type.CNAME).join();
            } catch (CompletionException e) {
                break;
            }
            if (a.records().isEmpty()) {
                break;
            }
            String target = DnsClient.normalize(((org.xbill.DNS.CNAMERecord) a.records().get(0)).getTarget().toString());
            if (chain.contains(target)) {
                chain.add(target + " (loop)");
                break;
            }
            chain.add(target);
        }
        return chain;
    }

    private TxtResult read(DnsAnswer a) {
        if (a.noSuchName()) {
            return new TxtResult.NotFound(a.name() + ": no such name (NXDOMAIN)");
        }
        if (!a.isDefinite()) {
            return new TxtResult.TempError(a.name() + ": " + a.rcodeText() + " from " + describe());
        }
        if (a.records().isEmpty()) {
            return new TxtResult.NotFound(a.name() + ": no TXT record");
        }
        List<List<String>> records = new ArrayList<>();
        for (Record r : a.records()) {
            List<String> strings = new ArrayList<>();
            for (Object b : ((TXTRecord) r).getStringsAsByteArrays()) {
                strings.add(new String((byte[]) b, StandardCharsets.ISO_8859_1));
            }
            records.add(strings);
        }
        return new TxtResult.Records(records);
    }

    private TxtResult failure(String name, Throwable e) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        String why = cause instanceof TimeoutException || cause instanceof java.net.SocketTimeoutException
                ? "timed out" : String.valueOf(cause.getMessage());
        return new TxtResult.TempError(name + ": no answer from " + describe() + " (" + why + ")");
    }
}
