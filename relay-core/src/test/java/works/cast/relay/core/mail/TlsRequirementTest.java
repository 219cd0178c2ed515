package works.cast.relay.core.mail;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TlsRequirementTest {

    private static HeaderBlock headers(String text) {
        return HeaderParser.parse(text.replace("|", "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    /** RFC 8689 section 4.1: REQUIRETLS wins over the header field; only "No" (any case) means optional. */
    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
        "false; Subject: x|;                                  default",
        "false; TLS-Required: No|;                            tls-required-no",
        "false; tls-required:no|;                             tls-required-no",
        "false; TLS-Required:   NO  |;                        tls-required-no",
        "false; TLS-Required:|  No|;                          tls-required-no",
        "false; TLS-Required: Yes|;                           default",
        "false; TLS-Required: No thanks|;                     default",
        "false; X-TLS-Required: No|;                          default",
        "false; TLS-Required: Maybe|TLS-Required: No|;        tls-required-no",
        "true;  TLS-Required: No|;                            requiretls",
        "true;  Subject: x|;                                  requiretls",
    })
    void tagsAReceivedMessage(boolean requireTls, String header, String expected) {
        assertEquals(expected, TlsRequirement.of(requireTls, headers(header)).label());
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
        "TLS-Required: No|Subject: r||{}|;                     tls-required-no",
        "Subject: r||TLS-Required: No|;                        default",
        "Subject: r|;                                          default",
    })
    void tagsAMessageTheRelayWrites(String message, String expected) {
        assertEquals(expected, TlsRequirement.ofMessage(message.replace("|", "\r\n")
                .getBytes(StandardCharsets.US_ASCII)).label());
    }

    @ParameterizedTest
    @CsvSource({"default, DEFAULT", "requiretls, REQUIRED", "tls-required-no, OPTIONAL"})
    void labelsRoundTrip(String label, TlsRequirement t) {
        assertEquals(label, t.label());
        assertEquals(Optional.of(t), TlsRequirement.ofLabel(label));
        assertEquals(Optional.empty(), TlsRequirement.ofLabel(label.toUpperCase(java.util.Locale.ROOT)));
    }
}
