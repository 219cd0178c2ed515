package works.cast.relay.server.delivery.tls;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;
import works.cast.relay.server.dns.DnsClient;

/**
 * Sends the daily SMTP TLS reports (RFC 8460 section 3 and 5): once the UTC day is over, each recipient domain with
 * counted sessions whose {@code _smtp._tls.<domain>} TXT record names {@code rua=mailto:} addresses gets one report
 * of that day, queued like any other mail from {@code from}. Domains without such a record are dropped. The reports'
 * own sessions are not counted ({@link MxTlsPolicies#isReportSender}). Checks every hour, on its own daemon thread.
 */
public final class TlsReporter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TlsReporter.class);

    /** Queues a message the relay wrote. */
    @FunctionalInterface
    public interface Outbox {
        CompletionStage<?> enqueue(String reversePath, List<String> recipients, byte[] message);
    }

    private final TlsReportCounts counts;
    private final DnsClient dns;
    private final String from;
    private final String hostname;
    private final UnaryOperator<byte[]> signer;
    private final Outbox outbox;
    private final Clock clock;
    private final java.util.Optional<java.nio.file.Path> state;
    private ScheduledExecutorService timer;

    /**
     * @param from   the reports' From and envelope sender; its domain is the submitter
     * @param signer DKIM-signs a finished report as that domain
     */
    public TlsReporter(TlsReportCounts counts, DnsClient dns, String from, String hostname,
                       UnaryOperator<byte[]> signer, Outbox outbox, Clock clock) {
        this(counts, dns, from, hostname, signer, outbox, clock, java.util.Optional.empty());
    }

    /** As above, keeping the counts in {@code state} across restarts: loaded now, saved hourly and at close. */
    public TlsReporter(TlsReportCounts counts, DnsClient dns, String from, String hostname,
                       UnaryOperator<byte[]> signer, Outbox outbox, Clock clock,
                       java.util.Optional<java.nio.file.Path> state) {
        this.state = state;
        if (state.isPresent()) {
            try {
                counts.load(state.get());
            } catch (java.io.IOException e) {
                log.warn("tls report counts not loaded file={} error=\"{}\"", state.get(), e.toString());
            }
        }
        this.counts = counts;
        this.dns = dns;
        this.from = from;
        this.hostname = hostname;
        this.signer = signer;
        this.outbox = outbox;
        this.clock = clock;
    }

    /** Checks for finished days every {@code every}, the first time after one {@code every}. */
    public synchronized TlsReporter start(Duration every) {
        timer = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("tls-report-send", true));
        timer.scheduleWithFixedDelay(() -> {
            try {
                sendDue().get(5, TimeUnit.MINUTES);
            } catch (Exception e) {
                log.warn("tls reports failed error=\"{}\"", e.toString());
            }
            save();
        }, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** Sends the reports of the days before today; completes with the number of reports queued. */
    public CompletableFuture<Integer> sendDue() {
        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        Map<String, Map<HostTls.Policy, TlsReportCounts.Counts>> byDayAndDomain = new LinkedHashMap<>();
        for (Map.Entry<TlsReportCounts.Key, TlsReportCounts.Counts> e : counts.takeBefore(today)) {
            byDayAndDomain.computeIfAbsent(e.getKey().day() + " " + e.getKey().domain(), k -> new LinkedHashMap<>())
                    .put(e.getKey().policy(), e.getValue());
        }
        List<CompletableFuture<Boolean>> sent = new ArrayList<>();
        byDayAndDomain.forEach((key, policies) -> {
            LocalDate day = LocalDate.parse(key.substring(0, key.indexOf(' ')));
            String domain = key.substring(key.indexOf(' ') + 1);
            sent.add(send(day, domain, policies));
        });
        return CompletableFuture.allOf(sent.toArray(new CompletableFuture<?>[0]))
                .thenApply(v -> (int) sent.stream().filter(CompletableFuture::join).count());
    }

    private CompletableFuture<Boolean> send(LocalDate day, String domain,
                                            Map<HostTls.Policy, TlsReportCounts.Counts> policies) {
        return dns.query("_smtp._tls." + domain, Type.TXT).handle((answer, e) -> {
            if (e != null) {
                log.info("tls report dropped domain={} day={} reason=\"{}\"", domain, day, e.getMessage());
                return CompletableFuture.completedFuture(false);
            }
            List<String> records = new ArrayList<>();
            answer.records().forEach(r -> records.add(String.join("", ((TXTRecord) r).getStrings())));
            List<String> rua = TlsReport.mailtoRua(records);
            if (rua.isEmpty()) {
                log.debug("tls report dropped domain={} day={} reason=no-rua", domain, day);
                return CompletableFuture.completedFuture(false);
            }
            String submitter = from.substring(from.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
            String id = day + "." + domain + "." + Long.toString(clock.millis(), 36);
            String json = TlsReport.json(submitter, from, id, day, domain, policies);
            byte[] message = TlsReport.message(from, rua, submitter, id, day, domain, json, clock.instant(), hostname,
                    signer);
            return outbox.enqueue(from, rua, message).toCompletableFuture().handle((v, f) -> {
                if (f != null) {
                    log.warn("tls report not queued domain={} day={} error=\"{}\"", domain, day, f.toString());
                    return false;
                }
                log.info("tls report queued domain={} day={} rua={} policies={}", domain, day, rua,
                        policies.keySet());
                return true;
            });
        }).thenCompose(f -> f);
    }

    private void save() {
        if (state.isPresent()) {
            try {
                counts.save(state.get());
            } catch (java.io.IOException e) {
                log.warn("tls report counts not saved file={} error=\"{}\"", state.get(), e.toString());
            }
        }
    }

    @Override
    public synchronized void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
        save();
    }
}
