package works.cast.relay.server.config;

import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import works.cast.relay.server.dns.DnsServers;
import works.cast.relay.server.net.Cidr;

/**
 * Binds the resolved {@code relay} tree into {@link RelayConfig} by hand, checking values and the rules that span
 * several keys; every problem goes to the reader, and the result is only meaningful when there are none.
 */
final class ConfigBinder {

    private static final Set<String> PROTOCOLS = Set.of("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3");

    private final ConfigReader r;

    ConfigBinder(ConfigReader reader) {
        this.r = reader;
    }

    RelayConfig bind(Optional<Path> source) {
        String hostname = r.string("relay.hostname", "localhost");
        if (!Names.isDomainName(hostname)) {
            r.problem("relay.hostname", "not a host name: \"" + hostname + "\"");
        }
        TlsConfig tls = tls();
        SmtpConfig smtp = smtp(tls);
        AccessConfig access = access();
        Path keysDir = r.path("relay.keys-dir", Path.of("keys"));
        QueueConfig queue = new QueueConfig(r.path("relay.queue.dir", Path.of("var/queue")),
                r.durationList("relay.queue.retry"), r.duration("relay.queue.max-age", Duration.ofDays(5)),
                r.intIn("relay.queue.active-limit", 1, 1_000_000, QueueConfig.ACTIVE_LIMIT));
        SigningConfig signing = new SigningBinder(r).bind(queue.maxAge());
        DeliveryConfig delivery = delivery(signing);
        if (queue.retry().isEmpty() && !r.isNull("relay.queue.retry")) {
            r.problem("relay.queue.retry", "needs at least one duration");
        }
        LimitsConfig limits = new LimitsConfig(
                r.bytes("relay.limits.message-size", 1),
                r.intIn("relay.limits.recipients", 1, 100_000, 1),
                r.intIn("relay.limits.connections", 1, 1_000_000, 1),
                r.intIn("relay.limits.connections-per-ip", 1, 1_000_000, 1),
                r.duration("relay.limits.command-timeout", Duration.ofMinutes(5)),
                r.duration("relay.limits.data-timeout", Duration.ofMinutes(10)),
                r.bytes("relay.limits.header-size", 1),
                r.intIn("relay.limits.max-errors", 1, 100_000, 1),
                r.intIn("relay.limits.junk-commands", 1, 1_000_000, 100),
                r.duration("relay.limits.proxy-header-timeout", Duration.ofSeconds(5)),
                intakeMemory(),
                r.intIn("relay.limits.hop-count", 1, 1000, 50));
        HttpConfig http = http();
        LoggingConfig logging = new LoggingConfig(
                r.enumOf("relay.logging.format", LoggingConfig.Format.class, LoggingConfig.Format.PLAIN));
        RateLimitConfig rates = new RateLimitBinder(r).bind();
        Optional<String> signAs = r.optString("relay.bounce.sign-as").map(Names::lower);
        signAs.ifPresent(d -> {
            if (!signing.domains().containsKey(d)) {
                r.problem("relay.bounce.sign-as", "\"" + d + "\" is not one of relay.signing.domains: the relay "
                        + "signs its reports only with keys it has");
            }
        });
        DnsServers dns = DnsServers.parse(delivery.mx().dnsServers().stream().filter(ConfigBinder::isServerAddress)
                .toList());
        return new RelayConfig(source, hostname, smtp, tls, access, keysDir, signing, delivery, queue, limits,
                http, logging, rates, new BounceConfig(signAs), dns, senderChecks());
    }

    /** The management endpoint; off loopback its console, API and metrics need a token. */
    private HttpConfig http() {
        boolean enabled = r.bool("relay.http.enabled", true);
        String address = address("relay.http.address");
        Optional<Path> tokenFile = r.optPath("relay.http.token-file");
        boolean loopback;
        try {
            loopback = Cidr.parseAddress(address).isLoopbackAddress();
        } catch (IllegalArgumentException e) {
            loopback = true; // already reported as not an address
        }
        if (enabled && !loopback && tokenFile.isEmpty()) {
            r.problem("relay.http.address", "\"" + address + "\" is not a loopback address: set relay.http.token-file "
                    + "to a file holding one long random line (openssl rand -hex 32 > FILE; chmod 600 FILE), the "
                    + "token that the console, /api/status and /metrics then require");
        }
        return new HttpConfig(enabled, address, r.intIn("relay.http.port", 0, 65535, 0), tokenFile);
    }

    private SenderChecksConfig senderChecks() {
        List<String> egress = r.stringList("relay.sender-checks.egress-addresses");
        for (String a : egress) {
            try {
                Cidr.parseAddress(a);
            } catch (IllegalArgumentException e) {
                r.problem("relay.sender-checks.egress-addresses", "not an IP address literal: \"" + a + "\"");
            }
        }
        return new SenderChecksConfig(r.bool("relay.sender-checks.enabled", true),
                r.duration("relay.sender-checks.every", Duration.ofDays(1)), egress);
    }

    /** {@code auto} (0: a quarter of the heap, decided at start) or a size. */
    private long intakeMemory() {
        String path = "relay.limits.intake-memory";
        if (r.isNull(path)) {
            return 0;
        }
        ConfigValue v = r.valueAt(path);
        if (v.valueType() == ConfigValueType.STRING && ((String) v.unwrapped()).trim().equals("auto")) {
            return 0;
        }
        long n = r.bytes(path, 0);
        if (n > 0 && n < MIN_INTAKE_MEMORY) {
            r.problem(path, "at least 1MiB, or auto");
            return 0;
        }
        return n;
    }

    private static final long MIN_INTAKE_MEMORY = 1 << 20;

    private String address(String path) {
        String text = r.string(path, "127.0.0.1");
        try {
            Cidr.parseAddress(text);
        } catch (IllegalArgumentException e) {
            r.problem(path, "not an IP address literal: \"" + text + "\" (names are not resolved here)");
        }
        return text;
    }

    private TlsConfig tls() {
        Optional<Path> certificate = r.optPath("relay.tls.certificate");
        Optional<Path> privateKey = r.optPath("relay.tls.private-key");
        if (certificate.isPresent() != privateKey.isPresent()) {
            r.problem(certificate.isPresent() ? "relay.tls.private-key" : "relay.tls.certificate",
                    "needed together with " + (certificate.isPresent() ? "certificate" : "private-key"));
        }
        TlsConfig.Profile profile = r.enumOf("relay.tls.profile", TlsConfig.Profile.class,
                TlsConfig.Profile.INTERMEDIATE);
        Optional<List<String>> protocols = r.optStringList("relay.tls.protocols");
        protocols.ifPresent(list -> {
            if (list.isEmpty()) {
                r.problem("relay.tls.protocols", "empty list; use null for the profile's protocols");
            }
            list.stream().filter(p -> !PROTOCOLS.contains(p)).forEach(p -> r.problem("relay.tls.protocols",
                    "unknown protocol \"" + p + "\", expected one of TLSv1, TLSv1.1, TLSv1.2, TLSv1.3"));
        });
        Optional<List<String>> ciphers = r.optStringList("relay.tls.ciphers");
        ciphers.ifPresent(list -> {
            if (list.isEmpty()) {
                r.problem("relay.tls.ciphers", "empty list; use null for the profile's ciphers");
            }
            list.stream().filter(c -> !c.startsWith("TLS_")).forEach(c -> r.problem("relay.tls.ciphers",
                    "\"" + c + "\" is not an IANA cipher suite name (TLS_...)"));
        });
        return new TlsConfig(certificate, privateKey, profile, protocols, ciphers);
    }

    private SmtpConfig smtp(TlsConfig tls) {
        List<ListenerConfig> listeners = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        ConfigValue value = r.valueAt("relay.smtp.listen");
        if (value == null || value.valueType() != ConfigValueType.LIST) {
            r.problem("relay.smtp.listen", "expected a list of { address, port, tls }");
        } else if (((ConfigList) value).isEmpty()) {
            r.problem("relay.smtp.listen", "needs at least one listener");
        } else {
            ConfigList list = (ConfigList) value;
            for (int i = 0; i < list.size(); i++) {
                String at = "relay.smtp.listen[" + i + "]";
                if (list.get(i).valueType() != ConfigValueType.OBJECT) {
                    r.problemAt(list.get(i).origin(), at, "expected an object { address, port, tls }");
                    continue;
                }
                ConfigObject object = (ConfigObject) list.get(i);
                ConfigReader entry = r.child(object, at);
                ListenerConfig listener = new ListenerConfig(new ConfigBinder(entry).address("address"),
                        entry.intIn("port", 0, 65535, 0),
                        entry.enumOf("tls", ListenerConfig.Tls.class, ListenerConfig.Tls.NONE));
                if (listener.tls() != ListenerConfig.Tls.NONE && !tls.configured()) {
                    entry.problem("tls", "tls = " + listener.tls().name().toLowerCase(java.util.Locale.ROOT)
                            + " needs relay.tls.certificate and relay.tls.private-key");
                }
                if (listener.port() != 0 && !seen.add(listener.address() + " " + listener.port())) {
                    entry.problem("port", "another listener already uses " + listener.address() + " port "
                            + listener.port());
                }
                listeners.add(listener);
            }
        }
        boolean proxyProtocol = r.bool("relay.smtp.proxy-protocol", false);
        List<Cidr> proxies = cidrs("relay.smtp.trusted-proxies");
        if (proxyProtocol && proxies.isEmpty()) {
            r.problem("relay.smtp.trusted-proxies", "required when relay.smtp.proxy-protocol = true: the addresses "
                    + "of the proxies (HAProxy) whose PROXY header names the client; anyone else could claim any "
                    + "address");
        }
        return new SmtpConfig(listeners, proxyProtocol,
                r.enumOf("relay.smtp.bare-lf", SmtpConfig.BareLf.class, SmtpConfig.BareLf.REJECT), proxies);
    }

    private List<Cidr> cidrs(String path) {
        List<Cidr> out = new ArrayList<>();
        for (String text : r.stringList(path)) {
            try {
                out.add(Cidr.parse(text));
            } catch (IllegalArgumentException e) {
                r.problem(path, "\"" + text + "\" is not a network in CIDR notation: " + e.getMessage());
            }
        }
        return out;
    }

    private AccessConfig access() {
        List<Cidr> networks = cidrs("relay.access.networks");
        return new AccessConfig(networks, r.bool("relay.access.require-tls-for-auth", true),
                r.optPath("relay.access.users-file"),
                r.duration("relay.access.auth-failure-delay", Duration.ofSeconds(1), true),
                r.intIn("relay.access.auth-failures", 1, 1_000_000, 10),
                r.duration("relay.access.auth-failure-window", Duration.ofMinutes(15)));
    }

    private DeliveryConfig delivery(SigningConfig signing) {
        DeliveryConfig.Mode mode = r.enumOf("relay.delivery.mode", DeliveryConfig.Mode.class,
                DeliveryConfig.Mode.DIRECTORY);
        String s = "relay.delivery.smarthost.";
        Optional<String> host = r.optString(s + "host");
        if (mode == DeliveryConfig.Mode.SMARTHOST && host.isEmpty() && r.isNull(s + "host")) {
            r.problem(s + "host", "required when relay.delivery.mode = smarthost");
        }
        Optional<String> user = r.optString(s + "auth.user");
        Optional<String> password = r.optString(s + "auth.password");
        if (user.isPresent() != password.isPresent()) {
            r.problem(user.isPresent() ? s + "auth.password" : s + "auth.user",
                    "auth.user and auth.password go together");
        }
        SmarthostConfig smarthost = new SmarthostConfig(host, r.intIn(s + "port", 1, 65535, 587),
                outboundTls(s + "tls"), r.optPath(s + "trust-store"), user, password,
                r.intIn(s + "connections", 1, 10_000, 1));
        String m = "relay.delivery.mx.";
        MxConfig mx = new MxConfig(dnsServers(), r.intIn(m + "port", 1, 65535, 25),
                r.intIn(m + "connections-per-domain", 1, 10_000, 1), outboundTls(m + "tls"),
                r.bool(m + "allow-loopback", false), r.intIn(m + "cached-destinations", 1, 1_000_000, 1000),
                mxTls(m, signing));
        return new DeliveryConfig(mode, r.path("relay.delivery.directory", Path.of("var/outbox")), smarthost, mx,
                r.bool("relay.delivery.passthrough", false),
                r.duration("relay.delivery.timeouts.connect", Duration.ofSeconds(30)),
                r.duration("relay.delivery.timeouts.command", Duration.ofMinutes(5)),
                r.duration("relay.delivery.timeouts.data", Duration.ofMinutes(10)));
    }

    /** {@code relay.delivery.mx.mta-sts}, {@code dane} and {@code trust-store} (a readable PEM bundle). */
    private MxTlsConfig mxTls(String m, SigningConfig signing) {
        Optional<Path> trustStore = r.optPath(m + "trust-store");
        trustStore.ifPresent(p -> {
            if (!java.nio.file.Files.isReadable(p)) {
                r.problem(m + "trust-store", "cannot read " + p);
            }
        });
        Optional<String> from = r.optString(m + "tls-rpt.from").map(String::strip);
        boolean reports = r.bool(m + "tls-rpt.enabled", false);
        if (reports && from.isEmpty()) {
            r.problem(m + "tls-rpt.from", "required when tls-rpt.enabled = true");
        }
        from.ifPresent(f -> {
            int at = f.lastIndexOf('@');
            if (at <= 0 || at == f.length() - 1 || f.contains(" ")) {
                r.problem(m + "tls-rpt.from", "\"" + f + "\" is not an address");
            } else if (reports && !signing.domains().containsKey(Names.lower(f.substring(at + 1)))) {
                r.problem(m + "tls-rpt.from", "\"" + f + "\" is not in one of relay.signing.domains: reports are "
                        + "DKIM-signed as the From domain");
            }
        });
        return new MxTlsConfig(r.bool(m + "mta-sts.enabled", true), r.intIn(m + "mta-sts.https-port", 1, 65535, 443),
                r.bool(m + "dane.enabled", true), trustStore, reports ? from : Optional.empty());
    }

    /**
     * {@code relay.dns.servers}, or its older name {@code relay.delivery.mx.dns-servers} when only that is set; both
     * set to different lists is a problem.
     */
    private List<String> dnsServers() {
        String main = "relay.dns.servers";
        String alias = "relay.delivery.mx.dns-servers";
        List<String> servers = checkedServers(main);
        List<String> old = checkedServers(alias);
        if (servers.isEmpty()) {
            return old;
        }
        if (!old.isEmpty() && !old.equals(servers)) {
            r.problem(alias, "differs from relay.dns.servers (the same setting under its older name): set only "
                    + "relay.dns.servers");
        }
        return servers;
    }

    private List<String> checkedServers(String path) {
        List<String> servers = r.stringList(path);
        for (String server : servers) {
            if (!isServerAddress(server)) {
                r.problem(path, "\"" + server + "\" is not an IP address or ip:port");
            }
        }
        return servers;
    }

    /** {@code starttls} is accepted as another name for {@code required}. */
    private OutboundTls outboundTls(String path) {
        Optional<String> text = r.isNull(path) ? Optional.empty() : r.optString(path);
        if (text.isPresent() && text.get().trim().equalsIgnoreCase("starttls")) {
            return OutboundTls.REQUIRED;
        }
        return r.enumOf(path, OutboundTls.class, OutboundTls.OPPORTUNISTIC);
    }

    static boolean isServerAddress(String text) {
        String host = text;
        String port = null;
        if (text.startsWith("[") && text.contains("]:")) {
            host = text.substring(0, text.indexOf("]:") + 1);
            port = text.substring(text.indexOf("]:") + 2);
        } else if (text.chars().filter(c -> c == ':').count() == 1) {
            host = text.substring(0, text.indexOf(':'));
            port = text.substring(text.indexOf(':') + 1);
        }
        try {
            Cidr.parseAddress(host);
            if (port != null) {
                int p = Integer.parseInt(port);
                return p >= 1 && p <= 65535;
            }
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The map of domain blocks, keyed and ordered as written. */
    static Map<String, ConfigObject> objects(ConfigObject parent) {
        Map<String, ConfigObject> out = new LinkedHashMap<>();
        parent.forEach((k, v) -> {
            if (v.valueType() == ConfigValueType.OBJECT) {
                out.put(k, (ConfigObject) v);
            }
        });
        return out;
    }
}
