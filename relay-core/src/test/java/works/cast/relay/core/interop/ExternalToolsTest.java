package works.cast.relay.core.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

class ExternalToolsTest {

    @Test
    void missingToolSkipsOrFailsUnderCi() {
        Class<? extends Throwable> expected = ExternalTools.isCi() ? AssertionFailedError.class
                : TestAbortedException.class;

        Throwable thrown = assertThrows(expected, () -> ExternalTools.require("no-such-tool-for-dkim-relay-tests"));

        assertTrue(thrown.getMessage().contains("no-such-tool-for-dkim-relay-tests"), thrown.getMessage());
        assertThrows(expected, () -> ExternalTools.require("/nonexistent/bin/tool"));
    }

    @Test
    void presentToolPasses() {
        ExternalTools.require("/bin/sh");
        assertTrue(ExternalTools.onPath("sh"));
        assertFalse(ExternalTools.onPath("no-such-tool-for-dkim-relay-tests"));
    }

    @Test
    void pythonModuleNamesAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> ExternalTools.pythonImports("os; import sys"));
    }

    @Test
    void keyMapIsSortedEscapedJson() {
        String json = Dkimpy.toJson(Map.of("b._domainkey.cast.works.", "v=DKIM1; p=\"q\\\u0001",
                "a._domainkey.cast.works.", "v=DKIM1; k=ed25519; p=AAAA"));

        assertEquals("{\"a._domainkey.cast.works.\": \"v=DKIM1; k=ed25519; p=AAAA\", "
                + "\"b._domainkey.cast.works.\": \"v=DKIM1; p=\\\"q\\\\\\u0001\"}\n", json);
        assertEquals("s1._domainkey.castworks.co.jp.", Dkimpy.dnsName("S1", "CastWorks.co.JP"));
    }
}
