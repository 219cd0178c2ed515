package works.cast.relay.core.interop;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The RFC 8463 Appendix A test vector from {@code src/test/resources/vectors/rfc8463/}: keys (A.1), DNS records
 * (A.2) and the signed message (A.3), as bytes exactly as published (CRLF line ends).
 */
public final class Rfc8463Vectors {

    public static final String DOMAIN = "football.example.com";
    public static final String ED25519_SELECTOR = "brisbane";
    public static final String RSA_SELECTOR = "test";
    /** The t= of both signatures in A.3 (2018-06-10T13:38:29Z), for a fixed signing clock. */
    public static final long SIGNATURE_TIME = 1528637909L;

    private static final String DIRECTORY = "/vectors/rfc8463/";
    private static final Pattern RECORD = Pattern.compile("(\\S+)\\s+TXT\\s+\"([^\"]*)\"");

    private Rfc8463Vectors() {
    }

    /** A.3: the message with its ed25519-sha256 (topmost) and rsa-sha256 signatures. */
    public static byte[] signedMessage() {
        return resource("signed-message.eml");
    }

    /** A.3 without the two DKIM-Signature fields. */
    public static byte[] unsignedMessage() {
        return resource("unsigned-message.eml");
    }

    /** A.2 as a name-to-TXT map, names with the trailing dot: {@code brisbane._domainkey.football.example.com.}. */
    public static Map<String, String> dnsRecords() {
        String text = new String(resource("dns-records.txt"), StandardCharsets.US_ASCII);
        Map<String, String> records = new LinkedHashMap<>();
        for (String line : text.split("\r?\n")) {
            if (line.isBlank()) {
                continue;
            }
            Matcher matcher = RECORD.matcher(line.strip());
            if (!matcher.matches()) {
                throw new IllegalStateException("dns-records.txt: unexpected line: " + line);
            }
            records.put(matcher.group(1), matcher.group(2));
        }
        return Map.copyOf(records);
    }

    /** A.1: the Ed25519 private key as the base64 32-byte seed. */
    public static String ed25519SeedBase64() {
        return new String(resource("brisbane.ed25519.seed.b64"), StandardCharsets.US_ASCII).strip();
    }

    /** A.1: the 1024-bit RSA private key, PKCS#1 PEM. */
    public static String rsaPkcs1Pem() {
        return new String(resource("test.rsa.pkcs1.pem"), StandardCharsets.US_ASCII);
    }

    /** Copies a vector file into {@code directory} (scripts and key loaders want paths) and returns its path. */
    public static Path copyTo(String fileName, Path directory) {
        try {
            return Files.write(directory.resolve(fileName), resource(fileName));
        } catch (IOException e) {
            throw new UncheckedIOException("could not copy " + fileName + " to " + directory, e);
        }
    }

    /** The bytes of a file in the vector directory. */
    public static byte[] resource(String fileName) {
        try (InputStream in = Rfc8463Vectors.class.getResourceAsStream(DIRECTORY + fileName)) {
            if (in == null) {
                throw new IllegalStateException("test resource " + DIRECTORY + fileName + " missing");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + DIRECTORY + fileName, e);
        }
    }
}
