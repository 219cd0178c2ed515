package works.cast.relay.server.delivery.tls;

import jakarta.activation.DataHandler;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.util.ByteArrayDataSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.UnaryOperator;
import java.util.zip.GZIPOutputStream;
import works.cast.relay.server.json.Json;
import works.cast.relay.server.message.RelayMimeMessage;

/**
 * One SMTP TLS report (RFC 8460 section 4): the JSON of one day's sessions to one policy domain, gzipped in a
 * {@code multipart/report; report-type="tlsrpt"} message (section 5.3) with {@code TLS-Required: No} (RFC 8689
 * section 5) so that it reaches a domain whose TLS is broken, signed by the given signer.
 */
public final class TlsReport {

    private TlsReport() {
    }

    /**
     * The report JSON: per policy its type, text ({@code policy-string}, {@code mx-host}) and domain, the summary,
     * and the failure details by result type and session (section 4.4), each type's catch-all entry (no host fields)
     * after its rows.
     *
     * @param submitter the reporting organization's domain ({@code organization-name})
     * @param contact   the address to contact ({@code contact-info})
     * @param policies  the counts of the domain, one entry per policy that applied
     */
    public static String json(String submitter, String contact, String reportId, LocalDate day, String domain,
                              Map<HostTls.Policy, TlsReportCounts.Counts> policies) {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("organization-name", submitter);
        Map<String, Object> range = new LinkedHashMap<>();
        range.put("start-datetime", day.atStartOfDay().toInstant(ZoneOffset.UTC).toString());
        range.put("end-datetime", day.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC).minusSeconds(1).toString());
        report.put("date-range", range);
        report.put("contact-info", contact);
        report.put("report-id", reportId);
        List<Object> list = new ArrayList<>();
        policies.forEach((policy, counts) -> {
            Map<String, Object> p = new LinkedHashMap<>();
            Map<String, Object> header = new LinkedHashMap<>();
            header.put("policy-type", switch (policy) {
                case STS -> "sts";
                case DANE -> "tlsa";
                case NONE -> "no-policy-found";
            });
            PolicyText text = counts.policy();
            if (!text.strings().isEmpty()) {
                header.put("policy-string", text.strings());
            }
            header.put("policy-domain", domain);
            if (!text.mxHosts().isEmpty()) {
                header.put("mx-host", text.mxHosts());
            }
            p.put("policy", header);
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("total-successful-session-count", counts.successes());
            summary.put("total-failure-session-count", counts.failureTotal());
            p.put("summary", summary);
            List<Object> details = new ArrayList<>();
            for (FailureDetail f : counts.details()) {
                Map<String, Object> d = new LinkedHashMap<>();
                d.put("result-type", f.type());
                put(d, "sending-mta-ip", f.sendingIp());
                put(d, "receiving-mx-hostname", f.mxHost());
                put(d, "receiving-mx-helo", f.mxHelo());
                put(d, "receiving-ip", f.receivingIp());
                d.put("failed-session-count", f.count());
                put(d, "failure-reason-code", f.reason());
                details.add(d);
            }
            if (!details.isEmpty()) {
                p.put("failure-details", details);
            }
            list.add(p);
        });
        report.put("policies", list);
        return Json.write(report);
    }

    /** An optional field of a failure-details entry: left out when unknown. */
    private static void put(Map<String, Object> entry, String name, String value) {
        if (!value.isEmpty()) {
            entry.put(name, value);
        }
    }

    /**
     * The report message in wire form (CRLF), signed.
     *
     * @param from the report's From address (and envelope sender)
     * @param to   the {@code rua=mailto:} addresses
     */
    public static byte[] message(String from, List<String> to, String submitter, String reportId, LocalDate day,
                                 String domain, String json, Instant now, String hostname,
                                 UnaryOperator<byte[]> signer) {
        try {
            MimeMessage m = new RelayMimeMessage(Session.getInstance(new Properties()),
                    reportId + "@" + hostname);
            m.setFrom(new InternetAddress(from));
            for (String t : to) {
                m.addRecipient(MimeMessage.RecipientType.TO, new InternetAddress(t));
            }
            m.setSubject("Report Domain: " + domain + " Submitter: " + submitter + " Report-ID: <" + reportId + ">",
                    "US-ASCII");
            m.setSentDate(Date.from(now));
            m.setHeader("TLS-Report-Domain", domain);
            m.setHeader("TLS-Report-Submitter", submitter);
            m.setHeader("TLS-Required", "No");
            m.setHeader("Auto-Submitted", "auto-generated");

            MimeMultipart report = new MimeMultipart("report");
            ContentType type = new ContentType(report.getContentType());
            type.setParameter("report-type", "tlsrpt");
            MimeBodyPart human = new MimeBodyPart();
            human.setText("This is an aggregate TLS report from " + submitter + " for " + domain + " on " + day
                    + " (RFC 8460).\r\n", "us-ascii");
            report.addBodyPart(human);
            MimeBodyPart data = new MimeBodyPart();
            data.setDataHandler(new DataHandler(new ByteArrayDataSource(gzip(json), "application/tlsrpt+gzip")));
            data.setHeader("Content-Type", "application/tlsrpt+gzip");
            data.setHeader("Content-Transfer-Encoding", "base64");
            long start = day.atStartOfDay().toEpochSecond(ZoneOffset.UTC);
            data.setFileName(submitter + "!" + domain + "!" + start + "!" + (start + 86_399) + "!" + reportId
                    + ".json.gz");
            report.addBodyPart(data);
            m.setContent(report);
            m.saveChanges();
            m.setHeader("Content-Type", type.toString());
            ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
            m.writeTo(out);
            return signer.apply(out.toByteArray());
        } catch (MessagingException | IOException e) {
            throw new IllegalStateException("tls report for " + domain + ": " + e.getMessage(), e);
        }
    }

    public static byte[] gzip(String json) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(b)) {
            z.write(json.getBytes(StandardCharsets.UTF_8));
        }
        return b.toByteArray();
    }

    /** Where a domain wants its reports: the {@code rua} of its {@code _smtp._tls} record (RFC 8460 section 3). */
    public record ReportUris(List<String> mailto, List<java.net.URI> https) {
        public boolean isEmpty() {
            return mailto.isEmpty() && https.isEmpty();
        }
    }

    /**
     * The {@code rua=} URIs of the one {@code v=TLSRPTv1} record among {@code records} (none when there are several):
     * {@code mailto:} addresses without their query, and {@code https:} URIs; other schemes are ignored.
     */
    public static ReportUris reportUris(List<String> records) {
        List<String> mailto = new ArrayList<>();
        List<java.net.URI> https = new ArrayList<>();
        List<String> v1 = records.stream().filter(r -> r.startsWith("v=TLSRPTv1")).toList();
        if (v1.size() != 1) {
            return new ReportUris(mailto, https);
        }
        for (String field : v1.get(0).split(";")) {
            String f = field.strip();
            if (f.startsWith("rua=")) {
                for (String uri : f.substring(4).split(",")) {
                    String u = uri.strip();
                    if (u.regionMatches(true, 0, "mailto:", 0, 7) && u.indexOf('@') > 7) {
                        String address = u.substring(7);
                        int q = address.indexOf('?');
                        mailto.add(q >= 0 ? address.substring(0, q) : address);
                    } else if (u.regionMatches(true, 0, "https://", 0, 8)) {
                        try {
                            java.net.URI parsed = new java.net.URI(u);
                            if (parsed.getHost() != null) {
                                https.add(parsed);
                            }
                        } catch (java.net.URISyntaxException e) {
                            // a broken URI is skipped, the others still get the report
                        }
                    }
                }
            }
        }
        return new ReportUris(mailto, https);
    }
}
