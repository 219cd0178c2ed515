package works.cast.relay.server.ops;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Who may read the console, the status API and the metrics: anyone who reaches a loopback address, or, with
 * {@code relay.http.token-file}, a request carrying {@code Authorization: Bearer <token>} (RFC 6750 §2.1) or the
 * session cookie that one {@code GET /?token=<token>} sets (RFC 6265bis, HttpOnly, SameSite=Strict). The cookie holds
 * an HMAC of the token, not the token itself. Comparisons take constant time. Immutable, thread-safe.
 */
final class ConsoleAccess {

    static final String COOKIE = "dkim_relay_console";

    private final Optional<byte[]> token;
    private final String session;

    private ConsoleAccess(Optional<byte[]> token) {
        this.token = token;
        this.session = token.map(ConsoleAccess::sessionValue).orElse("");
    }

    /** No token: the address the server binds (loopback) is the only guard. */
    static ConsoleAccess open() {
        return new ConsoleAccess(Optional.empty());
    }

    /** Access with {@code token} (non-empty). */
    static ConsoleAccess withToken(String token) {
        if (token.isEmpty()) {
            throw new IllegalArgumentException("console token: empty");
        }
        return new ConsoleAccess(Optional.of(token.getBytes(StandardCharsets.UTF_8)));
    }

    /** The token is the file's first line, without surrounding whitespace. */
    static ConsoleAccess fromFile(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8).strip();
        int nl = text.indexOf('\n');
        String token = (nl < 0 ? text : text.substring(0, nl)).strip();
        if (token.isEmpty()) {
            throw new IOException("http token file " + file + ": empty (write one long random line, e.g. "
                    + "openssl rand -hex 32)");
        }
        return withToken(token);
    }

    boolean required() {
        return token.isPresent();
    }

    /** True when no token is needed, or the request carries it as a bearer token or as the session cookie. */
    boolean allows(String authorization, String cookies) {
        if (token.isEmpty()) {
            return true;
        }
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                && matches(authorization.substring(7).strip())) {
            return true;
        }
        return cookie(cookies).map(v -> MessageDigest.isEqual(v.getBytes(StandardCharsets.UTF_8),
                session.getBytes(StandardCharsets.UTF_8))).orElse(false);
    }

    /** True when {@code candidate} is the token. */
    boolean matches(String candidate) {
        return token.isPresent() && candidate != null
                && MessageDigest.isEqual(token.get(), candidate.getBytes(StandardCharsets.UTF_8));
    }

    /** The {@code Set-Cookie} value of a successful login. */
    String setCookie() {
        return COOKIE + "=" + session + "; Path=/; HttpOnly; SameSite=Strict";
    }

    private static Optional<String> cookie(String header) {
        if (header == null) {
            return Optional.empty();
        }
        for (String part : header.split(";")) {
            String p = part.strip();
            if (p.startsWith(COOKIE + "=")) {
                return Optional.of(p.substring(COOKIE.length() + 1));
            }
        }
        return Optional.empty();
    }

    private static String sessionValue(byte[] token) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(token, "HmacSHA256"));
            byte[] v = mac.doFinal("dkim-relay console session".getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(v);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
