package works.cast.relay.core.interop;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;

/**
 * Deterministic test messages in wire form for DKIM interoperability (RFC 6376 §3.4 canonicalization edge cases,
 * RFC 5322 header syntax, RFC 2045/2046 MIME bodies).
 *
 * <p>All messages use CRLF only, lines of at most 998 bytes, one From field, and a From domain of cast.works,
 * castworks.co.jp or a subdomain. One message, {@link #BODY_WITHOUT_FINAL_CRLF}, ends in a line without CRLF: SMTP
 * cannot carry it (DATA always ends the body with CRLF), so use {@link #smtpSafe()} for tests that go through SMTP.
 * RFC 6376 §3.4.3 and §3.4.4 both add a CRLF to a non-empty body that does not end in one before hashing.
 */
public final class Corpus {

    /** The one message whose body does not end in CRLF. */
    public static final String BODY_WITHOUT_FINAL_CRLF = "body-without-final-crlf";

    static final String DATE = "Date: Tue, 04 Nov 2025 09:15:00 +0900";
    static final String TO = "To: Relay Test <rcpt@example.net>";

    private static final List<NamedMessage> ALL = List.copyOf(build());

    private Corpus() {
    }

    /** Every fixed corpus message, in a stable order. */
    public static List<NamedMessage> all() {
        return ALL;
    }

    /** The fixed messages SMTP can transport unchanged (all but {@link #BODY_WITHOUT_FINAL_CRLF}). */
    public static List<NamedMessage> smtpSafe() {
        return ALL.stream().filter(message -> !message.name().equals(BODY_WITHOUT_FINAL_CRLF)).toList();
    }

    /** The fixed message with this name. */
    public static NamedMessage byName(String name) {
        return ALL.stream().filter(message -> message.name().equals(name)).findFirst()
                .orElseThrow(() -> new NoSuchElementException("corpus has no message named " + name));
    }

    /**
     * Random but reproducible messages for property tests: random header names, case, folding and whitespace;
     * bodies of printable and 8-bit bytes, whitespace runs, blank and whitespace-only lines. Always CRLF only, no
     * bare CR or LF, lines of at most 998 bytes, bodies ending in CRLF. Same seed, same messages.
     */
    public static List<NamedMessage> random(long seed, int count) {
        return RandomMessages.generate(seed, count);
    }

    /**
     * The first way the message breaks RFC 5322 line structure (§2.1.1, §2.3): a bare CR or LF, or a line longer
     * than 998 bytes without its CRLF. A last line without CRLF is allowed only when {@code allowUnterminatedLast}.
     */
    public static Optional<String> lineStructureProblem(byte[] message, boolean allowUnterminatedLast) {
        int lineStart = 0;
        int line = 1;
        for (int i = 0; i < message.length; i++) {
            if (message[i] == '\r') {
                if (i + 1 >= message.length || message[i + 1] != '\n') {
                    return Optional.of("bare CR at byte " + i + " (line " + line + ")");
                }
                if (i - lineStart > RandomMessages.MAX_LINE) {
                    return Optional.of("line " + line + " has " + (i - lineStart) + " bytes, over 998");
                }
                i++;
                lineStart = i + 1;
                line++;
            } else if (message[i] == '\n') {
                return Optional.of("bare LF at byte " + i + " (line " + line + ")");
            }
        }
        if (lineStart < message.length) {
            if (!allowUnterminatedLast) {
                return Optional.of("last line " + line + " does not end in CRLF");
            }
            if (message.length - lineStart > RandomMessages.MAX_LINE) {
                return Optional.of("last line " + line + " is over 998 bytes");
            }
        }
        return Optional.empty();
    }

    private static List<NamedMessage> build() {
        List<NamedMessage> messages = new ArrayList<>();
        messages.add(standard("plain-ascii", "Cast Works <news@cast.works>", "Plain ASCII message")
                .lines("Hello,", "", "this is a plain ASCII message.", "", "Regards,", "Cast Works")
                .named("plain-ascii"));
        messages.add(MimeMessages.alternative());
        messages.add(MimeMessages.mixedWithAttachment());
        messages.add(MimeMessages.nested());
        messages.add(MimeMessages.htmlQuotedPrintable());
        messages.add(MimeMessages.utf8EightBitBody());
        messages.add(standard("utf8-encoded-word-subject", "news@cast.works",
                "=?UTF-8?B?5pel5pys6Kqe44Gu5Lu25ZCN?=\r\n =?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=")
                .lines("Subject uses RFC 2047 encoded words, folded between them.").named("utf8-encoded-word-subject"));
        messages.add(new WireMessage().headers("From: 山田 太郎 <yamada@castworks.co.jp>", TO,
                        "Subject: 件名 Grüße", DATE, "Message-ID: <utf8-raw-header-values@castworks.co.jp>",
                        "MIME-Version: 1.0", "Content-Type: text/plain; charset=UTF-8")
                .endHeaders().lines("RFC 6532 raw UTF-8 in header values.").named("utf8-raw-header-values"));
        messages.add(standard("latin1-8bit-body", "news@cast.works", "ISO-8859-1 body")
                .rawLine("Gr\u00fc\u00dfe aus K\u00f6ln, \u00e0 bient\u00f4t".getBytes(StandardCharsets.ISO_8859_1))
                .rawLine(allHighBytes()).named("latin1-8bit-body"));
        messages.add(standard("body-lines-998-bytes", "news@cast.works", "Lines of exactly 998 bytes")
                .line(WireMessage.repeat('a', 998))
                .line("x" + WireMessage.repeat(' ', 996) + "y")
                .line(WireMessage.repeat('b', 990) + "  \t \t  ")
                .line("short line after").named("body-lines-998-bytes"));
        String longHeader = "X-Long-Header: " + WireMessage.repeat('h', 998 - "X-Long-Header: ".length());
        messages.add(headersOnly("header-line-998-bytes", "news@cast.works", "A header line of 998 bytes")
                .header(longHeader).endHeaders().lines("Body.").named("header-line-998-bytes"));
        messages.add(standard("empty-body", "news@cast.works", "Empty body").named("empty-body"));
        messages.add(headersOnly("headers-only-no-blank-line", "news@cast.works", "No blank line, no body")
                .named("headers-only-no-blank-line"));
        messages.add(standard("body-single-crlf", "news@cast.works", "Body is one CRLF").line("")
                .named("body-single-crlf"));
        messages.add(standard("body-only-blank-lines", "news@cast.works", "Body of blank lines")
                .lines("", "", "", "", "").named("body-only-blank-lines"));
        messages.add(standard("body-only-whitespace-lines", "news@cast.works", "Body of whitespace lines")
                .lines(" ", "\t", "  \t  ", "").named("body-only-whitespace-lines"));
        messages.add(standard("trailing-whitespace-on-lines", "news@cast.works", "Trailing whitespace")
                .lines("one ", "two\t", "three \t \t", "four").named("trailing-whitespace-on-lines"));
        messages.add(standard("trailing-blank-lines-with-whitespace", "news@cast.works", "Trailing blank lines")
                .lines("text", "", " ", "\t", "  \t", "").named("trailing-blank-lines-with-whitespace"));
        messages.add(standard("whitespace-only-lines-inside", "news@cast.works", "Whitespace-only lines inside")
                .lines("first", " ", "\t\t", "", "  ", "last").named("whitespace-only-lines-inside"));
        messages.add(standard("whitespace-runs-inside-lines", "news@cast.works", "Whitespace runs")
                .lines("a  b\t\tc \t d", "  leading spaces", "\tleading tab", "mid\t \tdle   end")
                .named("whitespace-runs-inside-lines"));
        messages.add(standard("control-characters-not-whitespace", "news@cast.works", "Controls are not WSP")
                .lines("form\u000cfeed", "vertical\u000btab", "nul-free \u0001\u0007 controls \u000c")
                .named("control-characters-not-whitespace"));
        messages.addAll(HeaderMessages.all());
        messages.add(standard("lines-beginning-with-dot", "news@cast.works", "Dots at line starts")
                .lines(".", "..", ".hidden", "...three", ". space after dot", "end").named("lines-beginning-with-dot"));
        messages.add(longBody());
        messages.add(standard(BODY_WITHOUT_FINAL_CRLF, "news@cast.works", "Last line has no CRLF")
                .line("first line").line("").text("last line without CRLF").named(BODY_WITHOUT_FINAL_CRLF));
        requireUniqueNames(messages);
        return messages;
    }

    /** From, To, Subject, Date, Message-ID and the blank line; the body follows. */
    static WireMessage standard(String name, String from, String subject) {
        return headersOnly(name, from, subject).endHeaders();
    }

    /** From, To, Subject, Date, Message-ID, without the blank line. */
    static WireMessage headersOnly(String name, String from, String subject) {
        return new WireMessage().headers("From: " + from, TO, "Subject: " + subject, DATE,
                "Message-ID: <" + name + "@cast.works>");
    }

    private static byte[] allHighBytes() {
        byte[] bytes = new byte[128];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (0x80 + i);
        }
        return bytes;
    }

    /** About 200 KiB of varied lines. */
    private static NamedMessage longBody() {
        WireMessage message = standard("long-body-200k", "news@cast.works", "A 200 KiB body");
        int total = 0;
        for (int i = 0; total < 200 * 1024; i++) {
            String line = switch (i % 7) {
                case 0 -> String.format(Locale.ROOT, "Line %06d: the quick brown fox jumps over the lazy dog", i);
                case 1 -> "";
                case 2 -> "  indented\twith  runs of   whitespace  ";
                case 3 -> "." + WireMessage.repeat('d', i % 120);
                case 4 -> WireMessage.repeat('x', 200 + i % 700);
                case 5 -> "Grüße 日本語 " + i;
                default -> "\t";
            };
            message.line(line);
            total += line.getBytes(StandardCharsets.UTF_8).length + 2;
        }
        return message.named("long-body-200k");
    }

    /** A deterministic binary payload, base64 in 76-column CRLF lines (RFC 2045 §6.8). */
    static String base64Lines(int size) {
        byte[] payload = new byte[size];
        for (int i = 0; i < size; i++) {
            payload[i] = (byte) (i * 31 + 7);
        }
        return Base64.getMimeEncoder().encodeToString(payload);
    }

    private static void requireUniqueNames(List<NamedMessage> messages) {
        Set<String> names = new LinkedHashSet<>();
        for (NamedMessage message : messages) {
            if (!names.add(message.name())) {
                throw new IllegalStateException("corpus: duplicate message name " + message.name());
            }
        }
    }
}
