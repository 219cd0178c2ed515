package works.cast.relay.server.cli;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import works.cast.relay.core.dkim.DkimVerifier;
import works.cast.relay.core.dkim.KeyResolver;
import works.cast.relay.core.dkim.MapKeyResolver;
import works.cast.relay.core.dkim.VerificationResult;
import works.cast.relay.core.keys.DnsTxtRecord;
import works.cast.relay.server.dns.DnsTxtResolver;

/**
 * {@code dkim-relay verify}: checks every DKIM-Signature of a message from stdin and prints one line per signature.
 * Exit status 0 only when there is at least one signature and every one passes.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Verify the DKIM signatures of a message read from stdin.")
public final class VerifyCommand implements Callable<Integer> {

    @Option(names = "--dns", paramLabel = "IP[:PORT]",
            description = "Look keys up at this DNS server (default: relay.dns.servers of the config, else the"
                    + " system resolver).")
    String dns;

    @Option(names = "--key-file", paramLabel = "SELECTOR._domainkey.DOMAIN=FILE",
            description = "Take this key record from a file (a .txt as opendkim-genkey writes, or the bare record).")
    Map<String, Path> keyFiles = new LinkedHashMap<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final InputStream in;

    public VerifyCommand() {
        this(System.in);
    }

    VerifyCommand(InputStream in) {
        this.in = in;
    }

    @Override
    public Integer call() throws IOException {
        Map<String, String> records = new LinkedHashMap<>();
        for (Map.Entry<String, Path> e : keyFiles.entrySet()) {
            if (!Files.isReadable(e.getValue())) {
                throw new CliException("key file " + e.getValue() + ": cannot read");
            }
            records.put(e.getKey(), DnsTxtRecord.parseZoneFile(Files.readString(e.getValue(), StandardCharsets.UTF_8)));
        }
        KeyResolver files = new MapKeyResolver(records);
        KeyResolver dnsResolver = keyFiles.isEmpty() || dns != null ? new DnsTxtResolver(CliDns.client(Optional.ofNullable(dns), Optional.empty())) : null;
        // Key files win; names they do not cover go to DNS when a server was given (or no file at all).
        KeyResolver resolver = (selector, domain) -> {
            KeyResolver.Lookup l = files.lookup(selector, domain);
            return l instanceof KeyResolver.NotFound && dnsResolver != null ? dnsResolver.lookup(selector, domain) : l;
        };
        List<VerificationResult> results = new DkimVerifier(resolver, Clock.systemUTC())
                .verify(new BareLfToCrlf(new BufferedInputStream(in, 64 * 1024)));
        PrintWriter out = spec.commandLine().getOut();
        if (results.isEmpty()) {
            out.println("no DKIM-Signature found");
            out.flush();
            return 1;
        }
        boolean allPass = true;
        for (VerificationResult r : results) {
            out.println("d=" + r.domain() + " s=" + r.selector() + " a=" + r.algorithm() + " " + r.status().text()
                    + " (" + r.reason() + ")");
            allPass &= r.passed();
        }
        out.flush();
        return allPass ? 0 : 1;
    }

    /** Reads a message stored with Unix line ends as its CRLF wire form. */
    static final class BareLfToCrlf extends FilterInputStream {
        private int previous = -1;
        private boolean pendingLf;

        BareLfToCrlf(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            if (pendingLf) {
                pendingLf = false;
                previous = '\n';
                return '\n';
            }
            int c = super.read();
            if (c == '\n' && previous != '\r') {
                pendingLf = true;
                previous = '\r';
                return '\r';
            }
            previous = c;
            return c;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = 0;
            while (n < len) {
                int c = read();
                if (c < 0) {
                    return n == 0 ? -1 : n;
                }
                b[off + n++] = (byte) c;
                if (n >= 1 && in.available() == 0 && !pendingLf) {
                    break;
                }
            }
            return n;
        }
    }
}
