package works.cast.relay.server.delivery.tls;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLSocket;

/**
 * Fetches {@code https://mta-sts.<domain>/.well-known/mta-sts.txt} (RFC 8461 section 3.3): HTTPS with the
 * certificate checked against {@link PeerTrust} and the policy host name, TLS 1.2 or later, no redirects (section
 * 3.3), at most 64 KiB, {@code timeout} for connect and each read and twice that for the whole response. The address comes from the caller, who resolved
 * it through the relay's DNS servers. Blocking: call it off the event loops.
 */
final class StsFetcher {

    /** RFC 8461 section 3.3 suggests senders limit the body; 64 KiB is what Postfix's mta-sts resolvers use. */
    static final int MAX_BODY = 64 * 1024;
    static final String PATH = "/.well-known/mta-sts.txt";

    private final PeerTrust trust;
    private final int port;
    private final Duration timeout;

    StsFetcher(PeerTrust trust, int port, Duration timeout) {
        this.trust = trust;
        this.port = port;
        this.timeout = timeout;
    }

    /** The policy body from {@code host} at one of {@code addresses}; throws naming what failed. */
    String fetch(String host, List<InetAddress> addresses) throws IOException {
        IOException last = null;
        for (InetAddress a : addresses) {
            try {
                return fetch(host, a);
            } catch (IOException e) {
                last = e;
            }
        }
        throw last != null ? last : new IOException(host + ": no address");
    }

    private String fetch(String host, InetAddress address) throws IOException {
        try (SSLSocket s = HttpsSockets.open(trust, host, address, port, timeout)) {
            OutputStream out = s.getOutputStream();
            out.write(("GET " + PATH + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: dkim-relay\r\n"
                    + "Accept: text/plain\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return read(host, new Deadline(new java.io.BufferedInputStream(s.getInputStream()),
                    System.nanoTime() + 2 * timeout.toNanos()));
        }
    }

    private static String read(String host, InputStream in) throws IOException {
        String status = HttpsSockets.line(in);
        String[] parts = status.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException(host + ": not an HTTP response: " + status);
        }
        if (!parts[1].equals("200")) {
            throw new IOException(host + ": HTTP " + parts[1] + (parts[1].startsWith("3")
                    ? " (redirects are not followed, RFC 8461 section 3.3)" : ""));
        }
        long length = -1;
        boolean chunked = false;
        String type = "";
        for (String h = HttpsSockets.line(in); !h.isEmpty(); h = HttpsSockets.line(in)) {
            int colon = h.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String name = h.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            String value = h.substring(colon + 1).strip();
            switch (name) {
                case "content-length" -> length = Long.parseLong(value);
                case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                case "content-type" -> type = value.toLowerCase(Locale.ROOT);
                default -> { }
            }
        }
        if (!type.startsWith("text/plain")) {
            throw new IOException(host + ": policy served as \"" + type + "\", not text/plain");
        }
        if (length > MAX_BODY) {
            throw new IOException(host + ": policy larger than " + MAX_BODY + " bytes");
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (chunked) {
            for (long size = chunkSize(HttpsSockets.line(in)); size > 0; size = chunkSize(HttpsSockets.line(in))) {
                copy(host, in, body, size);
                HttpsSockets.line(in);
            }
        } else {
            copy(host, in, body, length);
        }
        return body.toString(StandardCharsets.UTF_8);
    }

    /** Fails a read past the deadline, so a server trickling bytes cannot hold the fetch for long. */
    private static final class Deadline extends java.io.FilterInputStream {
        private final long deadline;

        Deadline(InputStream in, long deadline) {
            super(in);
            this.deadline = deadline;
        }

        private void check() throws IOException {
            if (System.nanoTime() - deadline > 0) {
                throw new java.net.SocketTimeoutException("policy fetch took too long");
            }
        }

        @Override
        public int read() throws IOException {
            check();
            return super.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            check();
            return super.read(b, off, len);
        }
    }

    private static long chunkSize(String line) throws IOException {
        String hex = line.contains(";") ? line.substring(0, line.indexOf(';')) : line;
        try {
            return Long.parseLong(hex.strip(), 16);
        } catch (NumberFormatException e) {
            throw new IOException("bad chunk size \"" + line + "\"");
        }
    }

    /** Copies {@code n} bytes, or to the end of the stream when {@code n < 0}; never past {@link #MAX_BODY}. */
    private static void copy(String host, InputStream in, ByteArrayOutputStream out, long n) throws IOException {
        byte[] buf = new byte[8192];
        long left = n < 0 ? Long.MAX_VALUE : n;
        while (left > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (r < 0) {
                if (n >= 0) {
                    throw new IOException(host + ": policy cut short");
                }
                return;
            }
            out.write(buf, 0, r);
            left -= r;
            if (out.size() > MAX_BODY) {
                throw new IOException(host + ": policy larger than " + MAX_BODY + " bytes");
            }
        }
    }
}
