package works.cast.relay.server.delivery.tls;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.xbill.DNS.TLSARecord;
import org.xbill.DNS.Type;
import works.cast.relay.server.dns.DnsAnswer;
import works.cast.relay.server.dns.DnsClient;

/**
 * DANE for SMTP (RFC 7672, RFC 7671): an MX host whose address records and {@code _<port>._tcp.<host>} TLSA records
 * the resolver validated (the AD bit) must present a certificate matching a usable TLSA record, over STARTTLS.
 * Usable are DANE-EE(3), the server's own certificate or public key with the chain and the name ignored (RFC 7672
 * section 3.1.1), and DANE-TA(2), a certificate of the chain that signs the rest, with the name checked (section
 * 3.1.2); selector 0 (full certificate) or 1 (SubjectPublicKeyInfo), matching 0 (exact), 1 (SHA-256) or 2 (SHA-512).
 * PKIX usages (0, 1) and unknown parameters are unusable (section 3.1.3); only unusable records mean no DANE.
 * Thread-safe.
 */
final class Dane {

    /** One usable TLSA record. */
    record Tlsa(int usage, int selector, int matching, byte[] data) {
        @Override
        public String toString() {
            return usage + " " + selector + " " + matching;
        }
    }

    private final DnsClient dns;

    Dane(DnsClient dns) {
        this.dns = dns;
    }

    /**
     * The DANE policy of a host, or empty when DANE does not apply (addresses or TLSA records not validated, no
     * TLSA records, none usable). Fails when the TLSA lookup fails on a host whose addresses are validated (RFC 7672
     * section 2.2: the host is then unusable, not insecure).
     */
    CompletableFuture<Optional<HostTls>> lookup(String host, int port) {
        return dns.query(host, Type.A).thenCompose(a -> {
            if (!a.authenticated() || !a.isDefinite()) {
                return CompletableFuture.completedFuture(Optional.<HostTls>empty());
            }
            return dns.query("_" + port + "._tcp." + host, Type.TLSA).handle((t, e) -> {
                if (e != null || !t.isDefinite()) {
                    throw new CompletionException(new MxTlsPolicies.RefusedHost(HostTls.Policy.DANE, new TlsFailure(
                            TlsFailure.DNSSEC_INVALID, "TLSA lookup for _" + port + "._tcp." + host + " failed: "
                            + (e != null ? e.getMessage() : t.rcodeText())), new PolicyText(List.of(),
                            List.of(host))));
                }
                return policy(t, host);
            });
        });
    }

    /** The policy of the TLSA records of {@code host}; reports show all of them in presentation form. */
    private static Optional<HostTls> policy(DnsAnswer answer, String host) {
        if (!answer.authenticated()) {
            return Optional.empty();
        }
        List<Tlsa> usable = new ArrayList<>();
        List<String> text = new ArrayList<>();
        for (org.xbill.DNS.Record r : answer.records()) {
            TLSARecord t = (TLSARecord) r;
            text.add(t.rdataToString());
            int u = t.getCertificateUsage();
            int s = t.getSelector();
            int m = t.getMatchingType();
            if ((u == 2 || u == 3) && (s == 0 || s == 1) && (m >= 0 && m <= 2)) {
                usable.add(new Tlsa(u, s, m, t.getCertificateAssociationData()));
            }
        }
        if (usable.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new HostTls(HostTls.Policy.DANE, true,
                (name, session) -> match(usable, PeerVerifier.chain(session), name),
                new PolicyText(text, List.of(HostNames.normalize(host)))));
    }

    /** Null when the chain (leaf first) matches one of the records, else the failure. */
    static TlsFailure match(List<Tlsa> records, List<X509Certificate> chain, String host) {
        if (chain.isEmpty()) {
            return new TlsFailure(TlsFailure.VALIDATION_FAILURE, "no certificate");
        }
        String why = "no TLSA record " + records + " matches the certificate";
        for (Tlsa t : records) {
            if (t.usage() == 3) {
                if (matches(t, chain.get(0))) {
                    return null;
                }
                continue;
            }
            for (int i = 0; i < chain.size(); i++) {
                if (!matches(t, chain.get(i))) {
                    continue;
                }
                if (!signs(chain, i)) {
                    why = "the chain up to the DANE-TA certificate does not verify";
                } else if (!HostNames.matches(chain.get(0), host)) {
                    return new TlsFailure(TlsFailure.CERTIFICATE_HOST_MISMATCH, "certificate names "
                            + HostNames.dnsNames(chain.get(0)) + ", not " + host + " (DANE-TA)");
                } else {
                    return null;
                }
            }
        }
        return new TlsFailure(TlsFailure.VALIDATION_FAILURE, why);
    }

    /** Each certificate below {@code anchor} is signed by the next and valid now. */
    private static boolean signs(List<X509Certificate> chain, int anchor) {
        try {
            for (int k = 0; k < anchor; k++) {
                chain.get(k).checkValidity();
                chain.get(k).verify(chain.get(k + 1).getPublicKey());
            }
            chain.get(anchor).checkValidity();
            return true;
        } catch (java.security.GeneralSecurityException e) {
            return false;
        }
    }

    private static boolean matches(Tlsa t, X509Certificate cert) {
        try {
            byte[] selected = t.selector() == 0 ? cert.getEncoded() : cert.getPublicKey().getEncoded();
            byte[] value = switch (t.matching()) {
                case 1 -> MessageDigest.getInstance("SHA-256").digest(selected);
                case 2 -> MessageDigest.getInstance("SHA-512").digest(selected);
                default -> selected;
            };
            return MessageDigest.isEqual(value, t.data());
        } catch (CertificateEncodingException | NoSuchAlgorithmException e) {
            return false;
        }
    }
}
