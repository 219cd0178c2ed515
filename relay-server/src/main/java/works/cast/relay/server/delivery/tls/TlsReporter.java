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
 * counted sessions whose {@code _smtp._tls.<domain>} TXT record names reporting URIs gets one report of that day:
 * queued like any other mail from {@code from} to the {@code mailto:} addresses, and uploaded to each {@code https:}
 * URI by the {@link Poster} (on a thread of its own, never a DNS or delivery thread). Domains without such a record
 * are dropped. The reports' own sessions are not counted ({@link MxTlsPolicies#isReportSender}). Checks every hour,
 * on its own daemon thread.
 */
public final class TlsReporter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TlsReporter.class);

    /** Queues a message the relay wrote. */
    @FunctionalInterface
    public interface Outbox {
        CompletionStage<?> enqueue(String reversePath, List<String> recipients, byte[] message);
    }

    /** Uploads one gzipped report to an {@code https:} reporting URI; blocking, throws naming what failed. */
    @FunctionalInterface
    public interface Poster {
        Poster NONE = (uri, gzippedJson) -> {
            throw new java.io.IOException("https reporting is not configured");
        };

        void post(java.net.URI uri, byte[] gzippedJson) throws java.io.IOException;

        /** Posts through the relay's DNS servers, with certificates checked against {@code trust}. */
        static Poster https(PeerTrust trust, DnsClient dns, Duration timeout) {
            return new TlsReportPoster(trust, dns, timeout);
        }
    }

    private final TlsReportCounts counts;
    private final DnsClient dns;
    private final String from;
    private final String hostname;
    private final UnaryOperator<byte[]> signer;
    private final Outbox outbox;
    private final Clock clock;
    private final java.util.Optional<java.nio.file.Path> state;
    private final Poster poster;
    private final java.util.concurrent.ExecutorService uploads = Executors.newCachedThreadPool(
            new io.netty.util.concurrent.DefaultThreadFactory("tls-report-upload", true));
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
        this(counts, dns, from, hostname, signer, outbox, Poster.NONE, clock, state);
    }

    /** As above, uploading to {@code https:} reporting URIs with {@code poster}. */
    public TlsReporter(TlsReportCounts counts, DnsClient dns, String from, String hostname,
                       UnaryOperator<byte[]> signer, Outbox outbox, Poster poster, Clock clock,
                       java.util.Optional<java.nio.file.Path> state) {
        this.state = state;
        this.poster = poster;
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
            TlsReport.ReportUris rua = TlsReport.reportUris(records);
            if (rua.isEmpty()) {
                log.debug("tls report dropped domain={} day={} reason=no-rua", domain, day);
                return CompletableFuture.completedFuture(false);
            }
            String submitter = from.substring(from.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
            String id = day + "." + domain + "." + Long.toString(clock.millis(), 36);
            String json = TlsReport.json(submitter, from, id, day, domain, policies);
            List<CompletableFuture<Boolean>> sent = new ArrayList<>();
            if (!rua.mailto().isEmpty()) {
                sent.add(mail(day, domain, rua.mailto(), submitter, id, json, policies));
            }
            for (java.net.URI uri : rua.https()) {
                sent.add(upload(day, domain, uri, json));
            }
            // One report per domain and day, sent to every URI; it counts as sent when one of them took it.
            return CompletableFuture.allOf(sent.toArray(new CompletableFuture<?>[0]))
                    .thenApply(v -> sent.stream().anyMatch(CompletableFuture::join));
        }).thenCompose(f -> f);
    }

    private CompletableFuture<Boolean> mail(LocalDate day, String domain, List<String> rua, String submitter,
                                            String id, String json,
                                            Map<HostTls.Policy, TlsReportCounts.Counts> policies) {
        byte[] message = TlsReport.message(from, rua, submitter, id, day, domain, json, clock.instant(), hostname,
                signer);
        return outbox.enqueue(from, rua, message).toCompletableFuture().handle((v, f) -> {
            if (f != null) {
                log.warn("tls report not queued domain={} day={} error=\"{}\"", domain, day, f.toString());
                return false;
            }
            log.info("tls report queued domain={} day={} rua={} policies={}", domain, day, rua, policies.keySet());
            return true;
        });
    }

    private CompletableFuture<Boolean> upload(LocalDate day, String domain, java.net.URI uri, String json) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                poster.post(uri, TlsReport.gzip(json));
                log.info("tls report uploaded domain={} day={} rua={}", domain, day, uri);
                return true;
            } catch (java.io.IOException e) {
                log.warn("tls report not uploaded domain={} day={} rua={} error=\"{}\"", domain, day, uri,
                        e.getMessage());
                return false;
            }
        }, uploads);
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
        uploads.shutdownNow();
        save();
    }
}
