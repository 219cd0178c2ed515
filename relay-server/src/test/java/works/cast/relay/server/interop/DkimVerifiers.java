package works.cast.relay.server.interop;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import works.cast.relay.core.interop.Dkimpy;
import works.cast.relay.core.interop.ExternalTools;
import works.cast.relay.core.interop.VerifyOutcome;

/**
 * Four independent DKIM verifiers judging one message, each with keys from a map instead of DNS, so nothing leaves
 * the machine: dkimpy (its dnsfunc), Perl's Mail::DKIM (a resolver object answering from a file), OpenDKIM
 * ({@code opendkim -t} with {@code TestPublicKeys}) and mailauth (node, its {@code resolver} option; installed by
 * {@code npm ci} in src/test/node). A missing verifier skips the test, or fails it when CI=true.
 */
public final class DkimVerifiers {

    /** The verifiers, by the name their project goes by. */
    public enum Verifier { DKIMPY, MAIL_DKIM, OPENDKIM, MAILAUTH }

    /**
     * What one verifier said about one signature, or about the message when it could not read it.
     *
     * @param algorithm the signature's {@code a=}, or {@code ?} when the verifier rejected the whole message
     * @param result    {@code pass}, {@code fail}, {@code unsupported} (an algorithm the verifier does not know) or
     *                  {@code unreadable} (it refused the message before looking at signatures)
     * @param detail    the verifier's own words
     */
    public record Verdict(Verifier verifier, String algorithm, String result, String detail) {
        public boolean pass() {
            return result.equals("pass");
        }
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Path OPENDKIM = Path.of("/usr/sbin/opendkim");
    private static final Path PERL = Path.of("/usr/bin/perl");
    private static final Path NODE_DIR = Path.of("src/test/node").toAbsolutePath();
    private static final Pattern OPENDKIM_RESULT = Pattern.compile("dkim=(\\w+)(.*?) header\\.a=(\\S+)");
    private static final Pattern LINE = Pattern.compile("\\S+ a=(\\S+) d=\\S+ s=\\S+ (\\w+)\\s*(.*)");

    private final Path work;
    private final Dkimpy dkimpy;
    private int runs;

    private DkimVerifiers(Path work, Dkimpy dkimpy) {
        this.work = work;
        this.dkimpy = dkimpy;
    }

    /** Checks that all four are installed; {@code work} holds their scripts, key files and messages. */
    public static DkimVerifiers require(Path work) throws IOException, InterruptedException {
        Dkimpy dkimpy = Dkimpy.create();
        ExternalTools.require(PERL.toString());
        Path probe = Files.createDirectories(work.resolve("probe"));
        available(run(List.of(PERL.toString(), "-MMail::DKIM::Verifier", "-MNet::DNS", "-e", "1"), probe).exit() == 0,
                "Mail::DKIM (apt-get install libmail-dkim-perl)");
        ExternalTools.require(OPENDKIM.toString()); // apt-get install opendkim
        ExternalTools.require("node");
        Path mailauth = NODE_DIR.resolve("node_modules/mailauth/package.json");
        if (!Files.isRegularFile(mailauth) && ExternalTools.onPath("npm")) {
            // The version pinned by package-lock.json, as CI installs it; a fresh clone needs no extra step.
            run(List.of("npm", "ci", "--prefix", NODE_DIR.toAbsolutePath().toString(), "--no-audit", "--no-fund",
                    "--loglevel=error"), probe);
        }
        available(Files.isRegularFile(mailauth), "mailauth (npm ci in " + NODE_DIR + ")");
        try (InputStream in = DkimVerifiers.class.getResourceAsStream("/interop/maildkim_static.pl")) {
            Files.copy(in, work.resolve("maildkim_static.pl"));
        }
        return new DkimVerifiers(work, dkimpy);
    }

    private static void available(boolean present, String what) {
        if (!present && ExternalTools.isCi()) {
            fail("required external tool missing under CI=true: " + what);
        }
        Assumptions.assumeTrue(present, "skipped, external tool missing: " + what);
    }

    /** Every verifier's verdicts on the message, given the TXT records of its keys by owner name. */
    public List<Verdict> verify(byte[] message, Map<String, String> records) throws IOException, InterruptedException {
        Path dir = Files.createDirectories(work.resolve("run-" + (++runs)));
        Path file = Files.write(dir.resolve("message.eml"), message);
        List<Verdict> out = new ArrayList<>(fromDkimpy(dkimpy.verify(message, records)));
        out.addAll(fromMailDkim(file, records, dir));
        out.addAll(fromOpenDkim(file, records, dir));
        out.addAll(fromMailauth(file, records, dir));
        return out;
    }

    private static List<Verdict> fromDkimpy(VerifyOutcome o) {
        if (o.lines().isEmpty()) {
            return List.of(new Verdict(Verifier.DKIMPY, "?", "unreadable", o.describe()));
        }
        return o.signatures().stream().map(s -> new Verdict(Verifier.DKIMPY, s.algorithm(),
                s.pass() ? "pass" : "fail", s.detail())).toList();
    }

    private List<Verdict> fromMailDkim(Path file, Map<String, String> records, Path dir)
            throws IOException, InterruptedException {
        StringBuilder keys = new StringBuilder();
        records.forEach((name, value) -> keys.append(name).append('\t').append(value).append('\n'));
        Path keyFile = Files.writeString(dir.resolve("keys.tsv"), keys);
        Run r = run(List.of(PERL.toString(), work.resolve("maildkim_static.pl").toString(), keyFile.toString(),
                file.toString()), dir);
        return lines(Verifier.MAIL_DKIM, r, "maildkim_static.pl");
    }

    private List<Verdict> fromOpenDkim(Path file, Map<String, String> records, Path dir)
            throws IOException, InterruptedException {
        StringBuilder keys = new StringBuilder();
        records.forEach((name, value) -> keys.append(name.replaceAll("\\.$", "")).append(' ').append(value).append('\n'));
        Path keyFile = Files.writeString(dir.resolve("opendkim.keys"), keys);
        Path conf = Files.writeString(dir.resolve("opendkim.conf"), "Mode v\nSyslog no\nAlwaysAddARHeader yes\n"
                + "TestPublicKeys " + keyFile + "\n");
        // -vv prints the Authentication-Results field it would add: one dkim= result per signature.
        Run r = run(List.of(OPENDKIM.toString(), "-x", conf.toString(), "-t", file.toString(), "-vv"), dir);
        List<Verdict> out = new ArrayList<>();
        Matcher m = OPENDKIM_RESULT.matcher(r.output());
        while (m.find()) {
            out.add(new Verdict(Verifier.OPENDKIM, m.group(3), m.group(1).equals("pass") ? "pass" : "fail",
                    m.group(1) + m.group(2)));
        }
        if (out.isEmpty()) {
            out.add(new Verdict(Verifier.OPENDKIM, "?", "unreadable", "exit " + r.exit() + ": " + r.output().strip()));
        }
        return out;
    }

    private List<Verdict> fromMailauth(Path file, Map<String, String> records, Path dir)
            throws IOException, InterruptedException {
        Path keyFile = Files.writeString(dir.resolve("keys.json"), json(records));
        Run r = run(List.of("node", NODE_DIR.resolve("mailauth_verify.js").toString(), keyFile.toString(),
                file.toString()), dir);
        return lines(Verifier.MAILAUTH, r, "mailauth_verify.js");
    }

    /** Parses the "FILE a= d= s= RESULT detail" lines the Perl and node scripts print. */
    private static List<Verdict> lines(Verifier v, Run r, String script) {
        List<Verdict> out = new ArrayList<>();
        for (String line : r.output().lines().toList()) {
            if (line.matches("\\S+ none.*")) {
                out.add(new Verdict(v, "?", "none", line));
                continue;
            }
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                throw new IllegalStateException(script + ": exit " + r.exit() + ", unexpected output: " + r.output());
            }
            String detail = m.group(3);
            String result = m.group(2).equals("pass") ? "pass"
                    : detail.contains("unsupported algorithm") ? "unsupported" : "fail";
            out.add(new Verdict(v, m.group(1), result, m.group(2) + " " + detail));
        }
        if (r.exit() != 0 || out.isEmpty()) {
            return List.of(new Verdict(v, "?", "unreadable", "exit " + r.exit() + ": " + r.output().strip()));
        }
        return out;
    }

    private static String json(Map<String, String> records) {
        StringBuilder s = new StringBuilder("{");
        records.forEach((name, value) -> s.append(s.length() > 1 ? ", " : "").append('"').append(name)
                .append("\": \"").append(value.replace("\\", "\\\\").replace("\"", "\\\"")).append('"'));
        return s.append("}\n").toString();
    }

    private record Run(int exit, String output) {
    }

    /** Runs in {@code dir}, output to a file there, so that a verifier that hangs is killed at the timeout. */
    private static Run run(List<String> command, Path dir) throws IOException, InterruptedException {
        Path output = dir.resolve("output");
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(output.toFile()).start();
        p.getOutputStream().close();
        if (!p.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            fail(command.get(0) + " did not finish within " + TIMEOUT);
        }
        return new Run(p.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
    }
}
