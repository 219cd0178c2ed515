package works.cast.relay.core.interop;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What dkimpy said about the DKIM-Signature fields of one message (RFC 6376 §6.1).
 *
 * @param exitCode the verify script's exit status: {@link #PASS}, {@link #FAIL}, {@link #NO_SIGNATURE}, or 2 on a
 *                 usage error
 * @param lines    the script's stdout lines, one per signature: {@code <index> d=<d> s=<s> a=<a> <result> [detail]}
 * @param stderr   the script's stderr, for failure messages
 */
public record VerifyOutcome(int exitCode, List<String> lines, String stderr) {

    /** Every signature verified and there was at least one. */
    public static final int PASS = 0;
    /** At least one signature failed or could not be evaluated. */
    public static final int FAIL = 1;
    /** The message has no DKIM-Signature field (or the requested index does not exist). */
    public static final int NO_SIGNATURE = 3;

    private static final Pattern LINE = Pattern.compile(
            "(\\d+) d=(\\S*) s=(\\S*) a=(\\S*) (pass|fail|error)(?: (.*))?");

    public VerifyOutcome {
        lines = List.copyOf(Objects.requireNonNull(lines, "lines"));
        Objects.requireNonNull(stderr, "stderr");
    }

    /** True when dkimpy verified at least one signature and every one passed. */
    public boolean allPass() {
        return exitCode == PASS && !lines.isEmpty() && signatures().stream().allMatch(SignatureResult::pass);
    }

    /** The per-signature lines, parsed; an unexpected line is an {@link IllegalStateException}. */
    public List<SignatureResult> signatures() {
        List<SignatureResult> results = new ArrayList<>(lines.size());
        for (String line : lines) {
            Matcher matcher = LINE.matcher(line);
            if (!matcher.matches()) {
                throw new IllegalStateException("dkimpy_verify.py: unexpected output line: " + line);
            }
            results.add(new SignatureResult(Integer.parseInt(matcher.group(1)), matcher.group(2), matcher.group(3),
                    matcher.group(4), matcher.group(5), matcher.group(6) == null ? "" : matcher.group(6)));
        }
        return List.copyOf(results);
    }

    /** A readable report for assertion messages: exit code, stdout lines and stderr. */
    public String describe() {
        return "exit=" + exitCode + " " + String.join(" | ", lines) + (stderr.isBlank() ? "" : " stderr: " + stderr.strip());
    }

    @Override
    public String toString() {
        return describe();
    }

    /**
     * One verified signature.
     *
     * @param index     0 for the topmost DKIM-Signature field
     * @param domain    its {@code d=}
     * @param selector  its {@code s=}
     * @param algorithm its {@code a=}
     * @param result    {@code pass}, {@code fail} or {@code error} (dkimpy crashed on it)
     * @param detail    dkimpy's reason when not passing, else empty
     */
    public record SignatureResult(int index, String domain, String selector, String algorithm, String result,
                                  String detail) {

        public SignatureResult {
            Objects.requireNonNull(domain, "domain");
            Objects.requireNonNull(selector, "selector");
            Objects.requireNonNull(algorithm, "algorithm");
            Objects.requireNonNull(result, "result");
            Objects.requireNonNull(detail, "detail");
        }

        public boolean pass() {
            return result.equals("pass");
        }
    }
}
