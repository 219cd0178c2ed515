package works.cast.relay.core.interop;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Generates random, reproducible messages with valid RFC 5322 line structure (§2.1, §2.2.3): CRLF only, no bare CR
 * or LF, every line at most 998 bytes, folds only before whitespace, bodies ending in CRLF.
 */
final class RandomMessages {

    static final int MAX_LINE = 998;

    private static final String[] DOMAINS = {"cast.works", "castworks.co.jp", "mail.cast.works", "CAST.WORKS"};
    private static final String[] STANDARD_NAMES = {"To", "Subject", "Date", "Message-ID", "Cc", "Reply-To",
        "MIME-Version", "Content-Type", "In-Reply-To", "References", "List-Id"};
    private static final String[] WHITESPACE = {" ", " ", " ", "  ", "\t", " \t", "\t\t", "   "};
    private static final String NAME_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-";

    private RandomMessages() {
    }

    static List<NamedMessage> generate(long seed, int count) {
        if (count < 0) {
            throw new IllegalArgumentException("count: must be >= 0, got " + count);
        }
        SplittableRandom random = new SplittableRandom(seed);
        List<NamedMessage> messages = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String name = String.format(Locale.ROOT, "random-%d-%d", seed, i);
            messages.add(new NamedMessage(name, message(random.split(), name)));
        }
        return List.copyOf(messages);
    }

    private static byte[] message(SplittableRandom random, String name) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<String> fields = new ArrayList<>();
        for (int i = random.nextInt(3); i > 0; i--) {
            fields.add(field(random, random.nextBoolean() ? "Received" : "X-Trace", words(random, 3, 12)));
        }
        String domain = DOMAINS[random.nextInt(DOMAINS.length)];
        String from = atom(random) + " <" + atom(random).toLowerCase(Locale.ROOT) + "@" + domain + ">";
        fields.add(field(random, "From", from));
        int extra = 2 + random.nextInt(9);
        for (int i = 0; i < extra; i++) {
            String fieldName = random.nextInt(3) == 0 ? randomName(random)
                    : STANDARD_NAMES[random.nextInt(STANDARD_NAMES.length)];
            String value = fieldName.equals("Message-ID") ? "<" + name + "@" + domain + ">" : words(random, 0, 25);
            fields.add(random.nextInt(fields.size() + 1), field(random, fieldName, value));
        }
        for (String field : fields) {
            write(out, field.getBytes(StandardCharsets.US_ASCII));
        }
        if (random.nextInt(20) == 0) {
            return out.toByteArray();
        }
        write(out, new byte[0]);
        int lines = random.nextInt(41);
        for (int i = 0; i < lines; i++) {
            write(out, bodyLine(random));
        }
        for (int i = random.nextInt(4); i > 0; i--) {
            write(out, random.nextBoolean() ? new byte[0] : ascii(WHITESPACE[random.nextInt(WHITESPACE.length)]));
        }
        return out.toByteArray();
    }

    /** One header field, name case varied, separator whitespace varied, folded at random whitespace. */
    private static String field(SplittableRandom random, String name, String value) {
        String shownName = switch (random.nextInt(8)) {
            case 0 -> name.toLowerCase(Locale.ROOT);
            case 1 -> name.toUpperCase(Locale.ROOT);
            default -> name;
        };
        String separator = switch (random.nextInt(6)) {
            case 0 -> "";
            case 1 -> "\t";
            case 2 -> "  ";
            default -> " ";
        };
        StringBuilder field = new StringBuilder(shownName).append(':').append(separator);
        int lineStart = 0;
        String[] tokens = value.split(" ", -1);
        for (int i = 0; i < tokens.length; i++) {
            if (i > 0) {
                String whitespace = WHITESPACE[random.nextInt(WHITESPACE.length)];
                boolean fold = random.nextInt(5) == 0 || field.length() - lineStart + tokens[i].length() > 900;
                if (fold) {
                    field.append("\r\n");
                    lineStart = field.length();
                }
                field.append(whitespace);
            }
            field.append(tokens[i]);
        }
        if (random.nextInt(6) == 0) {
            field.append(WHITESPACE[random.nextInt(WHITESPACE.length)]);
        }
        return field.toString();
    }

    private static String randomName(SplittableRandom random) {
        StringBuilder name = new StringBuilder("X-");
        int length = 1 + random.nextInt(20);
        for (int i = 0; i < length; i++) {
            name.append(NAME_CHARS.charAt(random.nextInt(NAME_CHARS.length())));
        }
        return name.toString();
    }

    /** Printable ASCII words (no whitespace) joined by single spaces; whitespace variety comes from folding. */
    private static String words(SplittableRandom random, int min, int max) {
        int count = min + random.nextInt(max - min + 1);
        List<String> words = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            words.add(word(random));
        }
        return String.join(" ", words);
    }

    private static String word(SplittableRandom random) {
        StringBuilder word = new StringBuilder();
        int length = 1 + random.nextInt(12);
        for (int i = 0; i < length; i++) {
            word.append((char) ('!' + random.nextInt('~' - '!' + 1)));
        }
        return word.toString().replace('<', 'l').replace('>', 'g').replace('@', 'a');
    }

    /** Letters and digits only, for the From display name and local part, so the address always parses. */
    private static String atom(SplittableRandom random) {
        StringBuilder atom = new StringBuilder();
        int length = 1 + random.nextInt(10);
        for (int i = 0; i < length; i++) {
            atom.append(NAME_CHARS.charAt(random.nextInt(NAME_CHARS.length() - 1)));
        }
        return atom.toString();
    }

    /** A body line: blank, whitespace only, a full 998-byte line, or text of printable and 8-bit bytes. */
    private static byte[] bodyLine(SplittableRandom random) {
        int kind = random.nextInt(100);
        if (kind < 15) {
            return new byte[0];
        }
        if (kind < 25) {
            return ascii(WHITESPACE[random.nextInt(WHITESPACE.length)].repeat(1 + random.nextInt(3)));
        }
        int length = kind < 28 ? MAX_LINE : random.nextInt(1 + random.nextInt(200));
        byte[] line = new byte[length];
        for (int i = 0; i < length; i++) {
            int pick = random.nextInt(100);
            if (pick < 12) {
                line[i] = (byte) (random.nextBoolean() ? ' ' : '\t');
            } else if (pick < 20) {
                line[i] = (byte) (0x80 + random.nextInt(0x80));
            } else {
                line[i] = (byte) ('!' + random.nextInt('~' - '!' + 1));
            }
        }
        if (length > 0 && random.nextInt(10) == 0) {
            line[0] = '.';
        }
        return line;
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static void write(ByteArrayOutputStream out, byte[] line) {
        out.write(line, 0, line.length);
        out.write('\r');
        out.write('\n');
    }
}
