package works.cast.relay.server.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import works.cast.relay.core.dkim.DkimSigner;
import works.cast.relay.core.dkim.HeaderSelection;
import works.cast.relay.core.dkim.MessageHasher;
import works.cast.relay.core.dkim.MessageHashes;
import works.cast.relay.core.dkim.SigningAlgorithm;
import works.cast.relay.core.dkim.SigningRequest;
import works.cast.relay.core.dkim.canon.Canonicalization;
import works.cast.relay.core.keys.KeyException;
import works.cast.relay.core.keys.PemKeyLoader;
import works.cast.relay.core.keys.SigningKey;
import works.cast.relay.core.mail.AuthorAddress;
import works.cast.relay.core.mail.Domain;
import works.cast.relay.core.mail.FromHeaderException;
import works.cast.relay.core.mail.HeaderField;
import works.cast.relay.core.mail.HeaderSyntax;
import works.cast.relay.core.mail.HeaderTooLargeException;

/**
 * {@code dkim-relay sign}: signs a message from stdin and writes it to stdout with the DKIM-Signature field prepended
 * and every original byte unchanged after it. The message is spooled to a temporary file while it is hashed, so
 * memory stays flat whatever its size.
 */
@Command(name = "sign", mixinStandardHelpOptions = true,
        description = "Sign a message read from stdin; write it with its DKIM-Signature to stdout.")
public final class SignCommand implements Callable<Integer> {

    @Option(names = "--domain", required = true, description = "Signing domain (d=).")
    String domain;

    @Option(names = "--selector", required = true, description = "Selector (s=).")
    String selector;

    @Option(names = "--key", required = true, description = "PEM private key (PKCS#1 or PKCS#8, RSA or Ed25519).")
    Path keyFile;

    @Option(names = "--algorithm", description = "rsa-sha256 or ed25519-sha256; must match the key (default: the key's).")
    String algorithm;

    @Option(names = "--canonicalization", defaultValue = "relaxed/relaxed",
            description = "header/body canonicalization: simple or relaxed (default: ${DEFAULT-VALUE}).")
    String canonicalization;

    @Option(names = "--headers", split = ",", description = "Header fields to sign (default: the relay's list).")
    List<String> headers;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final InputStream in;
    private final OutputStream out;

    public SignCommand() {
        this(System.in, new FileOutputStream(FileDescriptor.out));
    }

    SignCommand(InputStream in, OutputStream out) {
        this.in = in;
        this.out = out;
    }

    @Override
    public Integer call() throws IOException {
        SigningKey key;
        try {
            key = PemKeyLoader.load(keyFile);
        } catch (KeyException e) {
            throw new CliException(e.getMessage());
        }
        if (algorithm != null && SigningAlgorithm.parse(algorithm) != key.algorithm()) {
            throw new CliException("--algorithm " + algorithm + " does not match the key in " + keyFile
                    + " (" + key.algorithm().tagValue() + ")");
        }
        PrintWriter err = spec.commandLine().getErr();
        if (key.algorithm() == SigningAlgorithm.RSA_SHA256 && key.bits() < SigningKey.RECOMMENDED_RSA_BITS) {
            err.println("dkim-relay sign: warning: RSA key of " + key.bits() + " bits; 2048 is recommended");
            err.flush();
        }
        String[] c = canonicalization.split("/", -1);
        Canonicalization hc = Canonicalization.parse(c[0]);
        Canonicalization bc = c.length > 1 ? Canonicalization.parse(c[1]) : Canonicalization.SIMPLE;
        SigningRequest request = new SigningRequest(new Domain(domain), selector, key, hc, bc,
                headers == null ? HeaderSelection.DEFAULT_HEADERS : headers,
                headers == null ? HeaderSelection.DEFAULT_OVERSIGN : Set.of(), Optional.empty());

        Path spool = Files.createTempFile("dkim-relay-sign-", ".eml");
        try {
            SpooledMessage message = SpooledMessage.read(in, spool, Set.of(bc));
            MessageHashes hashes = message.hashes();
            Optional<String> malformed = HeaderSyntax.problem(hashes.headers());
            if (malformed.isPresent()) {
                throw new CliException(malformed.get());
            }
            // The relay removes this space before signing; the command promises unchanged bytes, so it refuses.
            for (HeaderField f : hashes.headers().fields()) {
                if (f.hasSpaceBeforeColon()) {
                    throw new CliException("header field " + f.name() + " has whitespace before its colon (RFC 5322"
                            + " section 4.5.8), which dkimpy cannot read; remove it");
                }
            }
            try {
                AuthorAddress.of(hashes.headers());
            } catch (FromHeaderException e) {
                throw new CliException(e.getMessage());
            }
            HeaderField signature = new DkimSigner(Clock.systemUTC()).sign(request, hashes);
            String text = signature.toString();
            if (message.unixLineEnds()) {
                text = text.replace("\r\n", "\n");
            }
            out.write(text.getBytes(StandardCharsets.US_ASCII));
            Files.copy(spool, out);
            out.flush();
        } catch (HeaderTooLargeException e) {
            throw new CliException(e.getMessage());
        } finally {
            Files.deleteIfExists(spool);
        }
        return 0;
    }

    /**
     * A message copied to a file while it was hashed. A last line without a line end gets one, as SMTP DATA ends the
     * message with CRLF before the final dot (RFC 5321 section 4.1.1.4), so the file is the message as it travels:
     * CRLF, or LF when the file uses Unix line ends.
     */
    record SpooledMessage(MessageHashes hashes, boolean unixLineEnds) {

        static SpooledMessage read(InputStream in, Path file, Set<Canonicalization> bodyCanons) throws IOException {
            MessageHasher hasher = new MessageHasher(bodyCanons, 1 << 20);
            works.cast.relay.core.mail.LfToCrlf wire = new works.cast.relay.core.mail.LfToCrlf(hasher::update);
            Boolean unix = null;
            byte[] buf = new byte[64 * 1024];
            int last = -1;
            try (OutputStream spool = Files.newOutputStream(file)) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    last = buf[n - 1];
                    if (unix == null) {
                        for (int i = 0; i < n; i++) {
                            if (buf[i] == '\n') {
                                unix = i == 0 || buf[i - 1] != '\r';
                                break;
                            }
                        }
                    }
                    spool.write(buf, 0, n);
                    wire.update(buf, 0, n);
                }
                if (last != -1 && last != '\n') {
                    byte[] end = last == '\r' ? new byte[] {'\n'}
                            : Boolean.TRUE.equals(unix) ? new byte[] {'\n'} : new byte[] {'\r', '\n'};
                    spool.write(end);
                    wire.update(end, 0, end.length);
                }
            }
            return new SpooledMessage(hasher.finish(), Boolean.TRUE.equals(unix));
        }
    }
}
