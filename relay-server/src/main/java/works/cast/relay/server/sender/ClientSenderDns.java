package works.cast.relay.server.sender;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;
import works.cast.relay.server.dns.DnsAnswer;
import works.cast.relay.server.dns.DnsClient;

/** {@link SenderDns} over the relay's one DNS client, so sender checks ask the servers of {@code relay.dns.servers}. */
public final class ClientSenderDns implements SenderDns {

    private final DnsClient client;

    public ClientSenderDns(DnsClient client) {
        this.client = client;
    }

    @Override
    public Answer<String> txt(String name) {
        return ask(name, Type.TXT, r -> String.join("", ((TXTRecord) r).getStrings()));
    }

    @Override
    public Answer<InetAddress> addresses(String name) {
        Answer<InetAddress> v4 = ask(name, Type.A, r -> ((ARecord) r).getAddress());
        Answer<InetAddress> v6 = ask(name, Type.AAAA, r -> ((AAAARecord) r).getAddress());
        if (v4 instanceof TempError<InetAddress> || v6 instanceof TempError<InetAddress>) {
            return v4 instanceof TempError<InetAddress> ? v4 : v6;
        }
        List<InetAddress> all = new ArrayList<>();
        if (v4 instanceof Found<InetAddress> f) {
            all.addAll(f.values());
        }
        if (v6 instanceof Found<InetAddress> f) {
            all.addAll(f.values());
        }
        return all.isEmpty() ? new None<>() : new Found<>(all);
    }

    @Override
    public Answer<String> mx(String name) {
        Answer<MXRecord> a = ask(name, Type.MX, r -> (MXRecord) r);
        if (a instanceof Found<MXRecord> f) {
            return new Found<>(f.values().stream().sorted(java.util.Comparator.comparingInt(MXRecord::getPriority))
                    .map(m -> m.getTarget().toString(true)).toList());
        }
        return a instanceof TempError<MXRecord> e ? new TempError<>(e.reason()) : new None<>();
    }

    private <T> Answer<T> ask(String name, int type, java.util.function.Function<Record, T> map) {
        DnsAnswer answer;
        try {
            answer = client.query(name, type).get(client.deadline().toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            return new TempError<>(String.valueOf(e.getCause()));
        } catch (TimeoutException e) {
            return new TempError<>("timeout asking " + client.describe());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new TempError<>("interrupted");
        } catch (IllegalArgumentException e) {
            return new None<>();
        }
        if (!answer.isDefinite()) {
            return new TempError<>(answer.rcodeText() + " from " + client.describe());
        }
        if (answer.records().isEmpty()) {
            return new None<>();
        }
        return new Found<>(answer.records().stream().map(map).toList());
    }
}
