package works.cast.relay.server.intake;

import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import works.cast.relay.core.mail.HeaderBlock;
import works.cast.relay.core.mail.HeaderField;

/**
 * The one-click unsubscribe rules that Gmail and Yahoo apply to bulk senders since 2024 (RFC 2369, RFC 8058): a
 * message with {@code List-Unsubscribe} should name an https URI and carry
 * {@code List-Unsubscribe-Post: List-Unsubscribe=One-Click}; bulk mail ({@code Precedence: bulk} or
 * {@code list}, or a {@code List-Id}) should have both. Problems are counted; with {@code required} they refuse
 * bulk mail.
 */
public final class UnsubscribeCheck {

    /** What is wrong with a message's unsubscribe fields. */
    public enum Problem {
        MISSING, NO_HTTPS, NO_ONE_CLICK;

        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    public static final UnsubscribeCheck COUNT_ONLY = new UnsubscribeCheck(false, p -> { });

    private static final Pattern HTTPS = Pattern.compile("<\\s*https://[^>\\s]+\\s*>", Pattern.CASE_INSENSITIVE);
    private static final Pattern ONE_CLICK = Pattern.compile("\\s*List-Unsubscribe=One-Click\\s*",
            Pattern.CASE_INSENSITIVE);

    private final boolean required;
    private final Consumer<Problem> onProblem;

    /**
     * @param required  refuse bulk mail that has a problem ({@code relay.signing.require-unsubscribe})
     * @param onProblem told of every problem found (a counter)
     */
    public UnsubscribeCheck(boolean required, Consumer<Problem> onProblem) {
        this.required = required;
        this.onProblem = onProblem;
    }

    /** The problem of this header, if any; counted once. */
    Optional<Problem> problem(HeaderBlock headers) {
        Optional<Problem> p = find(headers);
        p.ifPresent(onProblem);
        return p;
    }

    /** True when a problem refuses the message: only bulk mail, and only when required. */
    boolean refuses(HeaderBlock headers) {
        return required && isBulk(headers);
    }

    static Optional<Problem> find(HeaderBlock headers) {
        var unsubscribe = headers.all("list-unsubscribe");
        if (unsubscribe.isEmpty()) {
            return isBulk(headers) ? Optional.of(Problem.MISSING) : Optional.empty();
        }
        if (unsubscribe.stream().noneMatch(f -> HTTPS.matcher(f.unfoldedValue()).find())) {
            return Optional.of(Problem.NO_HTTPS);
        }
        if (headers.all("list-unsubscribe-post").stream()
                .noneMatch(f -> ONE_CLICK.matcher(f.unfoldedValue()).matches())) {
            return Optional.of(Problem.NO_ONE_CLICK);
        }
        return Optional.empty();
    }

    static boolean isBulk(HeaderBlock headers) {
        if (!headers.all("list-id").isEmpty()) {
            return true;
        }
        for (HeaderField f : headers.all("precedence")) {
            String v = f.unfoldedValue().trim().toLowerCase(Locale.ROOT);
            if (v.equals("bulk") || v.equals("list")) {
                return true;
            }
        }
        return false;
    }
}
