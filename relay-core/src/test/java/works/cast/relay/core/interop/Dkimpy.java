package works.cast.relay.core.interop;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs dkimpy, the reference Python DKIM implementation, as an independent signer and verifier
 * (RFC 6376 §5 and §6, RFC 8463).
 *
 * <p>DNS never leaves the process: keys come from a map of TXT records, for example
 * {@code Map.of(Dkimpy.dnsName("s1", "cast.works"), testKeys.rsa().dnsRecord())}. Use
 * <pre>
 * Dkimpy dkimpy = Dkimpy.create();                      // skips (or fails under CI=true) without dkimpy
 * VerifyOutcome outcome = dkimpy.verify(signed, records);
 * assertTrue(outcome.allPass(), outcome::describe);
 * </pre>
 * Instances are immutable and may be shared between tests; each call starts one short Python process.
 */
public final class Dkimpy {

    /** How long one dkimpy run may take before it is killed. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    static final String VERIFY_SCRIPT = "dkimpy_verify.py";
    static final String SIGN_SCRIPT = "dkimpy_sign.py";

    private final Path scripts;
    private final Duration timeout;

    private Dkimpy(Path scripts, Duration timeout) {
        this.scripts = scripts;
        this.timeout = timeout;
    }

    /** Checks that dkimpy is installed ({@link ExternalTools#requirePython3Dkim()}) and extracts the scripts. */
    public static Dkimpy create() {
        ExternalTools.requirePython3Dkim();
        return new Dkimpy(ScriptsHolder.DIRECTORY, DEFAULT_TIMEOUT);
    }

    /** A copy with another per-run timeout. */
    public Dkimpy withTimeout(Duration newTimeout) {
        if (newTimeout.isNegative() || newTimeout.isZero()) {
            throw new IllegalArgumentException("timeout: must be positive, got " + newTimeout);
        }
        return new Dkimpy(scripts, newTimeout);
    }

    /** The DNS name of a DKIM key record, as dkimpy asks for it: {@code <selector>._domainkey.<domain>.}. */
    public static String dnsName(String selector, String domain) {
        return selector.toLowerCase(Locale.ROOT) + "._domainkey." + domain.toLowerCase(Locale.ROOT) + ".";
    }

    /** Verifies every DKIM-Signature of the message, topmost first. */
    public VerifyOutcome verify(byte[] message, Map<String, String> dnsRecords) {
        return runVerify(message, dnsRecords, List.of("--all"));
    }

    /** Verifies only the signature at {@code index} (0 = topmost). */
    public VerifyOutcome verify(byte[] message, Map<String, String> dnsRecords, int index) {
        if (index < 0) {
            throw new IllegalArgumentException("index: must be >= 0, got " + index);
        }
        return runVerify(message, dnsRecords, List.of("--index", Integer.toString(index)));
    }

    /**
     * Signs with dkimpy, letting it choose the signed header fields; returns the DKIM-Signature field followed by
     * the message bytes unchanged.
     *
     * @param pemKey    PEM RSA key (PKCS#1 or PKCS#8), or for Ed25519 a PEM PKCS#8 key or a base64 seed file
     * @param algorithm {@code rsa-sha256} or {@code ed25519-sha256}
     * @param canon     {@code header/body}, for example {@code relaxed/relaxed}
     */
    public byte[] sign(byte[] message, String domain, String selector, Path pemKey, String algorithm, String canon) {
        return sign(message, domain, selector, pemKey, algorithm, canon, List.of());
    }

    /** As {@link #sign(byte[], String, String, Path, String, String)} with an explicit {@code h=} list. */
    public byte[] sign(byte[] message, String domain, String selector, Path pemKey, String algorithm, String canon,
                       List<String> headers) {
        Objects.requireNonNull(message, "message");
        if (algorithm.equals("ed25519-sha256")) {
            ExternalTools.requirePython3DkimEd25519();
        } else if (!algorithm.equals("rsa-sha256")) {
            throw new IllegalArgumentException("algorithm: rsa-sha256 or ed25519-sha256, got " + algorithm);
        }
        List<String> arguments = new ArrayList<>(List.of("--domain", domain, "--selector", selector,
                "--key", pemKey.toAbsolutePath().toString(), "--algorithm", algorithm, "--canon", canon));
        if (!headers.isEmpty()) {
            arguments.add("--headers");
            arguments.add(String.join(",", headers));
        }
        try (WorkDirectory work = new WorkDirectory()) {
            Run run = run(SIGN_SCRIPT, arguments, message, work);
            if (run.exitCode() != 0) {
                throw new IllegalStateException(SIGN_SCRIPT + " " + String.join(" ", arguments) + ": exit "
                        + run.exitCode() + ": " + run.stderr().strip());
            }
            return run.stdout();
        }
    }

    private VerifyOutcome runVerify(byte[] message, Map<String, String> dnsRecords, List<String> selection) {
        Objects.requireNonNull(message, "message");
        if (dnsRecords.values().stream().anyMatch(record -> record.replace(" ", "").contains("k=ed25519"))) {
            ExternalTools.requirePython3DkimEd25519();
        }
        try (WorkDirectory work = new WorkDirectory()) {
            Path keys = work.path().resolve("keys.json");
            Files.writeString(keys, toJson(dnsRecords), StandardCharsets.UTF_8);
            List<String> arguments = new ArrayList<>(List.of("--keys", keys.toString()));
            arguments.addAll(selection);
            Run run = run(VERIFY_SCRIPT, arguments, message, work);
            String stdout = new String(run.stdout(), StandardCharsets.UTF_8);
            List<String> lines = stdout.lines().filter(line -> !line.isBlank()).toList();
            return new VerifyOutcome(run.exitCode(), lines, run.stderr());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Run run(String script, List<String> arguments, byte[] stdin, WorkDirectory work) {
        List<String> command = new ArrayList<>();
        command.add(ExternalTools.PYTHON3.toString());
        command.add(scripts.resolve(script).toString());
        command.addAll(arguments);
        try {
            Path in = Files.write(work.path().resolve("stdin"), stdin);
            Path out = work.path().resolve("stdout");
            Path err = work.path().resolve("stderr");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectInput(in.toFile())
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            Map<String, String> environment = builder.environment();
            environment.remove("PYTHONPATH");
            environment.remove("PYTHONHOME");
            environment.put("PYTHONDONTWRITEBYTECODE", "1");
            environment.put("PYTHONIOENCODING", "utf-8");
            environment.put("LC_ALL", "C.UTF-8");
            Process process = builder.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                throw new IllegalStateException(script + ": no exit within " + timeout + ", killed");
            }
            return new Run(process.exitValue(), Files.readAllBytes(out),
                    Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(script + ": could not run " + command.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(script + ": interrupted", e);
        }
    }

    /** A flat JSON object; keys are sorted so the file is deterministic. */
    static String toJson(Map<String, String> records) {
        StringBuilder json = new StringBuilder("{");
        String separator = "";
        for (Map.Entry<String, String> entry : new TreeMap<>(records).entrySet()) {
            json.append(separator).append(jsonString(entry.getKey())).append(": ").append(jsonString(entry.getValue()));
            separator = ", ";
        }
        return json.append("}\n").toString();
    }

    private static String jsonString(String value) {
        StringBuilder quoted = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        quoted.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        quoted.append(c);
                    }
                }
            }
        }
        return quoted.append('"').toString();
    }

    private record Run(int exitCode, byte[] stdout, String stderr) {
    }

    /** A temporary directory for one run's stdin, stdout, stderr and key map; removed on close. */
    private static final class WorkDirectory implements AutoCloseable {
        private final Path path;

        WorkDirectory() {
            try {
                path = Files.createTempDirectory("dkimpy-run-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        Path path() {
            return path;
        }

        @Override
        public void close() {
            try (Stream<Path> files = Files.walk(path)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(file);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("could not remove " + path, e);
            }
        }
    }

    /** The scripts, copied once per JVM from the test resources into a temporary directory. */
    private static final class ScriptsHolder {
        static final Path DIRECTORY = extract();

        private static Path extract() {
            try {
                Path directory = Files.createTempDirectory("dkimpy-scripts-");
                directory.toFile().deleteOnExit();
                for (String script : List.of(VERIFY_SCRIPT, SIGN_SCRIPT)) {
                    Path target = directory.resolve(script);
                    try (InputStream in = Dkimpy.class.getResourceAsStream("/interop/" + script)) {
                        if (in == null) {
                            throw new IllegalStateException("test resource /interop/" + script + " missing");
                        }
                        Files.copy(in, target);
                    }
                    target.toFile().deleteOnExit();
                }
                return directory;
            } catch (IOException e) {
                throw new UncheckedIOException("could not extract the dkimpy scripts", e);
            }
        }
    }
}
