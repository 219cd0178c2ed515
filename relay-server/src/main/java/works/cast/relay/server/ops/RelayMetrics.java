package works.cast.relay.server.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import works.cast.relay.core.keys.CryptoProvider;
import works.cast.relay.server.message.DeliveryResult;

/**
 * The relay's metrics: one Micrometer registry scraped in the Prometheus text format, version 0.0.4 (served on
 * {@code /metrics} by {@link ManagementServer}; names in docs/metrics.md).
 *
 * <p>Every recording method is thread-safe and cheap (one map lookup, one atomic add): the SMTP event loops and the
 * I/O pool call them directly. Label values come from bounded sets (configured domains, selectors, reasons, TLS
 * versions); any label is also capped at {@value #MAX_LABEL_VALUES} combinations, after which {@code other} is used.
 */
public final class RelayMetrics implements AutoCloseable {

    /** The most label combinations per metric before new ones are counted under {@code other}. */
    public static final int MAX_LABEL_VALUES = 200;

    private static final Duration[] SIGNING_BUCKETS = {Duration.ofNanos(100_000), Duration.ofNanos(250_000),
        Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5),
        Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(100)};
    private static final Duration[] DELIVERY_BUCKETS = {Duration.ofMillis(100), Duration.ofMillis(250),
        Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5),
        Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(300)};

    /** The outcome of one delivery attempt, as the {@code result} label. */
    public enum DeliveryOutcome {
        DELIVERED, DEFERRED, FAILED;

        /** The outcome of a delivery result. */
        public static DeliveryOutcome of(DeliveryResult result) {
            if (result instanceof DeliveryResult.Delivered) {
                return DELIVERED;
            }
            return result instanceof DeliveryResult.Deferred ? DEFERRED : FAILED;
        }

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicInteger openSessions = new AtomicInteger();
    private final Counter sessions;
    private final MeterCache<Counter> tls;
    private final MeterCache<Counter> deliveryTls;
    private final MeterCache<Counter> deliveryTlsRequirement;
    private final MeterCache<Counter> accepted;
    private final MeterCache<Counter> rejected;
    private final MeterCache<Counter> signatures;
    private final MeterCache<Counter> rateLimited;
    private final MeterCache<Counter> unsubscribeProblems;
    private final MeterCache<Counter> keyLifecycleFailures;
    private final MeterCache<Timer> signing;
    private final Counter[] deliveryAttempts = new Counter[DeliveryOutcome.values().length];
    private final Timer[] deliveryTimes = new Timer[DeliveryOutcome.values().length];
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final MultiGauge keyAges;
    private volatile LongSupplier intakeWaits;
    private volatile Supplier<Map<String, Duration>> keyAgeSource;
    private final MultiGauge rateUse;
    private volatile Supplier<Map<String, Long>> rateUseSource;
    private final MultiGauge domainChecks;
    private volatile Supplier<Map<String, Map<String, Integer>>> domainCheckSource;
    private boolean queueRegistered;
    private final TrafficHistory history;

    /** A registry with the relay's meters and the JVM's (memory, GC, threads, classes, CPU, file descriptors). */
    public RelayMetrics() {
        this(java.time.Clock.systemUTC());
    }

    /** As {@link #RelayMetrics()}, with the console's history on {@code clock}. */
    public RelayMetrics(java.time.Clock clock) {
        history = new TrafficHistory(clock);
        Gauge.builder("dkim_relay.sessions.open", openSessions, AtomicInteger::get)
                .description("SMTP sessions open now").register(registry);
        sessions = Counter.builder("dkim_relay.sessions").description("SMTP sessions opened")
                .register(registry);
        tls = new MeterCache<>(2, MAX_LABEL_VALUES, l -> Counter.builder("dkim_relay.tls.sessions")
                .description("TLS handshakes completed by clients, by protocol and cipher suite")
                .tags("protocol", l.get(0), "cipher", l.get(1)).register(registry));
        deliveryTls = new MeterCache<>(2, MAX_LABEL_VALUES, l -> Counter.builder("dkim_relay.delivery.tls")
                .description("MX connection attempts by TLS policy (none, sts, dane) and outcome (success, "
                        + "plaintext or an RFC 8460 result type)")
                .tags("policy", l.get(0), "result", l.get(1)).register(registry));
        deliveryTlsRequirement = new MeterCache<>(2, MAX_LABEL_VALUES, l -> Counter.builder(
                        "dkim_relay.delivery.tls.requirement")
                .description("Recipient delivery attempts of messages with REQUIRETLS (requiretls) or TLS-Required: "
                        + "No (tls-required-no), RFC 8689, by result (delivered, deferred, failed)")
                .tags("requirement", l.get(0), "result", l.get(1)).register(registry));
        accepted = new MeterCache<>(1, MAX_LABEL_VALUES, l -> Counter.builder("dkim_relay.messages.accepted")
                .description("Messages accepted (queued), by From domain").tags("domain", l.get(0))
                .register(registry));
        rejected = new MeterCache<>(1, MAX_LABEL_VALUES, l -> Counter.builder("dkim_relay.messages.rejected")
                .description("Messages refused at the end of DATA, by reason").tags("reason", l.get(0))
                .register(registry));
        signatures = new MeterCache<>(3, MAX_LABEL_VALUES, l -> Counter.builder("dkim_relay.signatures")
                .description("DKIM signatures made, by signing domain, selector and algorithm")
                .tags("domain", l.get(0), "selector", l.get(1), "algorithm", l.get(2)).register(registry));
        rateLimited = new MeterCache<>(1, MAX_LABEL_VALUES, l -> Counter.builder("dkim_relay.rate.limited")
                .description("Messages refused by a sending rate limit, by what the limit counts")
                .tags("match", l.get(0)).register(registry));
        unsubscribeProblems = new MeterCache<>(1, MAX_LABEL_VALUES, l -> Counter.builder(
                        "dkim_relay.unsubscribe.problems")
                .description("Messages whose List-Unsubscribe fields miss RFC 8058 one-click unsubscribe, by problem")
                .tags("problem", l.get(0)).register(registry));
        keyLifecycleFailures = new MeterCache<>(2, MAX_LABEL_VALUES, l -> Counter.builder(
                        "dkim_relay.key.lifecycle.failures")
                .description("Failed steps of unattended key rotation and record revocation, by domain and step")
                .tags("domain", l.get(0), "step", l.get(1)).register(registry));
        signing = new MeterCache<>(1, MAX_LABEL_VALUES, l -> Timer.builder("dkim_relay.signing")
                .description("Time to make one DKIM signature (header hash and private key operation)")
                .tags("algorithm", l.get(0)).serviceLevelObjectives(SIGNING_BUCKETS).register(registry));
        for (DeliveryOutcome o : DeliveryOutcome.values()) {
            deliveryAttempts[o.ordinal()] = Counter.builder("dkim_relay.delivery.attempts")
                    .description("Delivery attempts, by result").tags("result", o.label()).register(registry);
            deliveryTimes[o.ordinal()] = Timer.builder("dkim_relay.delivery")
                    .description("Time of one delivery attempt, connect to final reply, by result")
                    .tags("result", o.label()).serviceLevelObjectives(DELIVERY_BUCKETS).register(registry);
        }
        domainChecks = MultiGauge.builder("dkim_relay.domain.check")
                .description("Sender checks per signing domain: 1 holds, 0 does not, -1 could not be told")
                .register(registry);
        rateUse = MultiGauge.builder("dkim_relay.rate.limit.used")
                .description("Messages counted against each user's rate limit and not yet refilled (this relay's "
                        + "own buckets)").register(registry);
        keyAges = MultiGauge.builder("dkim_relay.key.age").baseUnit("seconds")
                .description("Age of each active DKIM selector (since it was created)").register(registry);
        Gauge.builder("dkim_relay.crypto.info", () -> 1.0).tag("rsa", CryptoProvider.describe())
                .description("Which provider makes RSA signatures, as in the startup line").register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new JvmInfoMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
    }

    /** Shows the accepted-message counter of each configured signing domain at 0 before its first message. */
    public void knownDomains(Collection<String> domains) {
        domains.forEach(d -> accepted.get(d.toLowerCase(Locale.ROOT)));
    }

    /** An SMTP connection was accepted. */
    public void sessionOpened() {
        openSessions.incrementAndGet();
        sessions.increment();
    }

    /** An SMTP connection closed (call once per {@link #sessionOpened()}). */
    public void sessionClosed() {
        openSessions.decrementAndGet();
    }

    /** A client finished a TLS handshake (STARTTLS or implicit), e.g. {@code TLSv1.3}, {@code TLS_AES_128_GCM_SHA256}. */
    public void tlsSession(String protocol, String cipher) {
        tls.get(protocol, cipher).increment();
        history.tls(protocol, cipher);
    }

    /** The TLS outcome of one connection attempt to an MX host ({@code sts}, {@code certificate-host-mismatch}). */
    public void deliveryTls(String policy, String result) {
        deliveryTls.get(policy, result).increment();
    }

    /** A message was accepted and queued; {@code fromDomain} is the author domain, or null when unknown. */
    public void messageAccepted(String fromDomain) {
        accepted.get(fromDomain == null ? null : fromDomain.toLowerCase(Locale.ROOT)).increment();
        history.accepted(fromDomain == null ? null : fromDomain.toLowerCase(Locale.ROOT));
    }

    /** A message was refused at the end of DATA, for a short fixed reason such as {@code unknown-domain}. */
    public void messageRejected(String reason) {
        rejected.get(reason).increment();
        history.rejected(reason);
    }

    /** A message was refused by a rate limit: {@code match} is user, from-domain or client-address. */
    public void rateLimited(String match) {
        rateLimited.get(match).increment();
    }

    /** A message's unsubscribe fields have {@code problem}: missing, no-https or no-one-click. */
    public void unsubscribeProblem(String problem) {
        unsubscribeProblems.get(problem).increment();
    }

    /** A step of the key lifecycle (generate, publish, activate, revoke, remove) failed for {@code domain}. */
    public void keyLifecycleFailure(String domain, String step) {
        keyLifecycleFailures.get(domain, step).increment();
    }

    /** One DKIM signature was made in {@code nanos}; {@code algorithm} is the a= value, e.g. {@code rsa-sha256}. */
    public void signature(String domain, String selector, String algorithm, long nanos) {
        signatures.get(domain, selector, algorithm).increment();
        history.signed(domain, selector, algorithm);
        signing.get(algorithm).record(nanos, TimeUnit.NANOSECONDS);
    }

    /** A recipient of a message with a TLS requirement ({@code requiretls}, {@code tls-required-no}) was tried. */
    public void deliveryTlsRequirement(String requirement, DeliveryResult result) {
        deliveryTlsRequirement.get(requirement, DeliveryOutcome.of(result).label()).increment();
    }

    /** One delivery attempt ended with {@code outcome} after {@code nanos}. */
    public void deliveryAttempt(DeliveryOutcome outcome, long nanos) {
        deliveryAttempts[outcome.ordinal()].increment();
        deliveryTimes[outcome.ordinal()].record(nanos, TimeUnit.NANOSECONDS);
        history.delivery(outcome);
    }

    /** A recipient was not delivered ({@code result} deferred or failed): kept among the console's last failures. */
    public void deliveryFailure(String id, String recipient, DeliveryResult result) {
        DeliveryOutcome outcome = DeliveryOutcome.of(result);
        if (outcome != DeliveryOutcome.DELIVERED) {
            history.failure(id, recipient, outcome, result.reply().summary());
        }
    }

    /** The per-minute and per-hour history the console draws. */
    public TrafficHistory history() {
        return history;
    }

    /** One delivery attempt ended with {@code result} after {@code nanos}. */
    public void deliveryAttempt(DeliveryResult result, long nanos) {
        deliveryAttempt(DeliveryOutcome.of(result), nanos);
    }

    /**
     * Exposes the queue: {@code size} messages waiting and the age of the oldest in seconds (0 when empty). Both are
     * read on each scrape, on the management server's thread; they must be quick and thread-safe. Call once.
     */
    public synchronized void registerQueue(LongSupplier size, DoubleSupplier oldestAgeSeconds) {
        Objects.requireNonNull(size, "size");
        Objects.requireNonNull(oldestAgeSeconds, "oldestAgeSeconds");
        if (queueRegistered) {
            throw new IllegalStateException("queue gauges already registered");
        }
        queueRegistered = true;
        Gauge.builder("dkim_relay.queue.messages", () -> size.getAsLong())
                .description("Messages in the queue waiting for delivery").strongReference(true).register(registry);
        Gauge.builder("dkim_relay.queue.oldest.age", () -> oldestAgeSeconds.getAsDouble()).baseUnit("seconds")
                .description("Age of the oldest queued message, 0 when the queue is empty").strongReference(true)
                .register(registry);
    }

    /** Exposes the bytes held for messages in flight against the shared budget of {@code limit} bytes. Call once. */
    public void registerIntakeMemory(LongSupplier used, long limit, LongSupplier waits) {
        Objects.requireNonNull(used, "used");
        this.intakeWaits = Objects.requireNonNull(waits, "waits"); // the counter holds its object weakly
        FunctionCounter.builder("dkim_relay.intake.memory.waits", this, m -> m.intakeWaits.getAsLong())
                .description("DATA commands that waited for their 354 because messages in flight filled the budget")
                .register(registry);
        Gauge.builder("dkim_relay.intake.memory.used", () -> used.getAsLong()).baseUnit("bytes")
                .description("Bytes held for messages in flight: DATA not yet on disk and headers kept for signing")
                .strongReference(true).register(registry);
        Gauge.builder("dkim_relay.intake.memory.limit", () -> limit).baseUnit("bytes")
                .description("Budget for bytes held for messages in flight (relay.limits.intake-memory)")
                .strongReference(true).register(registry);
    }

    /**
     * Exposes the age of each active selector, read again on every scrape: {@code "domain/selector"} to age (the key
     * store's creation time to now). Selectors that disappear from the map disappear from the scrape.
     */
    public void registerKeyAges(Supplier<Map<String, Duration>> ages) {
        this.keyAgeSource = Objects.requireNonNull(ages, "ages");
    }

    /** Exposes the sender checks: domain to check name to 1 (holds), 0 (does not) or -1 (unknown), read on scrape. */
    public void registerDomainChecks(Supplier<Map<String, Map<String, Integer>>> checks) {
        this.domainCheckSource = Objects.requireNonNull(checks, "checks");
    }

    /** Exposes each user's use of its rate limit, read again on every scrape: user name to messages counted. */
    public void registerRateUse(Supplier<Map<String, Long>> use) {
        this.rateUseSource = Objects.requireNonNull(use, "use");
    }

    /** The current metrics in the Prometheus text format 0.0.4. */
    public synchronized String scrape() {
        refreshKeyAges();
        Supplier<Map<String, Long>> use = rateUseSource;
        if (use != null) {
            List<MultiGauge.Row<?>> rows = new ArrayList<>();
            use.get().forEach((user, n) -> rows.add(MultiGauge.Row.of(Tags.of("user", user), n)));
            rateUse.register(rows, true);
        }
        Supplier<Map<String, Map<String, Integer>>> checks = domainCheckSource;
        if (checks != null) {
            List<MultiGauge.Row<?>> rows = new ArrayList<>();
            checks.get().forEach((domain, g) -> g.forEach((check, v) -> rows.add(MultiGauge.Row.of(
                    Tags.of("domain", domain, "check", check), v))));
            domainChecks.register(rows, true);
        }
        return registry.scrape();
    }

    /** The registry, for meters that other parts of the relay add themselves (names start with dkim_relay). */
    public MeterRegistry registry() {
        return registry;
    }

    private void refreshKeyAges() {
        Supplier<Map<String, Duration>> source = keyAgeSource;
        if (source == null) {
            return;
        }
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        for (Map.Entry<String, Duration> e : source.get().entrySet()) {
            String key = e.getKey();
            int slash = key.indexOf('/');
            String domain = slash < 0 ? key : key.substring(0, slash);
            String selector = slash < 0 ? "" : key.substring(slash + 1);
            double seconds = e.getValue().toMillis() / 1000.0;
            rows.add(MultiGauge.Row.of(Tags.of("domain", domain, "selector", selector), seconds));
        }
        keyAges.register(rows, true);
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
