package works.cast.relay.server.delivery.tls;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLSocket;
import works.cast.relay.server.dns.DnsClient;

/**
 * Uploads a gzipped TLS report to an {@code https:} reporting URI (RFC 8460 section 5.3.2): one {@code POST} with
 * {@code Content-Type: application/tlsrpt+gzip}; any 2xx answer is a success, anything else (redirects included,
 * which are not followed) a failure. The host is resolved through the relay's DNS servers, the certificate checked
 * like an MTA-STS policy host's. Blocking: called on the reporter's own thread.
 */
final class TlsReportPoster implements TlsReporter.Poster {

    private final PeerTrust trust;
    private final DnsClient dns;
    private final Duration timeout;

    TlsReportPoster(PeerTrust trust, DnsClient dns, Duration timeout) {
        this.trust = trust;
        this.dns = dns;
        this.timeout = timeout;
    }

    @Override
    public void post(URI uri, byte[] gzippedJson) throws IOException {
        String host = uri.getHost();
        if (host == null || !"https".equalsIgnoreCase(uri.getScheme())) {
            throw new IOException("not an https URI: " + uri);
        }
        List<InetAddress> addresses;
        try {
            addresses = dns.addresses(host).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IOException(host + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException(host + ": no address within " + timeout.toMillis() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(host + ": interrupted", e);
        }
        IOException last = new IOException(host + ": no address");
        for (InetAddress a : addresses) {
            try {
                post(uri, host, a, gzippedJson);
                return;
            } catch (IOException e) {
                last = e;
            }
        }
        throw last;
    }

    private void post(URI uri, String host, InetAddress address, byte[] body) throws IOException {
        int port = uri.getPort() < 0 ? 443 : uri.getPort();
        String path = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        try (SSLSocket s = HttpsSockets.open(trust, host, address, port, timeout)) {
            OutputStream out = s.getOutputStream();
            out.write(("POST " + path + " HTTP/1.1\r\nHost: " + host + (uri.getPort() < 0 ? "" : ":" + port)
                    + "\r\nUser-Agent: dkim-relay\r\nContent-Type: application/tlsrpt+gzip\r\nContent-Length: "
                    + body.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            String status = HttpsSockets.line(new BufferedInputStream(s.getInputStream()));
            String[] parts = status.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
                throw new IOException(host + ": not an HTTP response: " + status);
            }
            if (!parts[1].startsWith("2") || parts[1].length() != 3) {
                throw new IOException(host + ": HTTP " + parts[1] + (parts[1].startsWith("3")
                        ? " (redirects are not followed)" : ""));
            }
        }
    }
}
