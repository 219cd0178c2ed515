package works.cast.relay.server.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An RFC 8460 report read by Python's json module and flattened to lines a test compares: per policy
 * {@code policy <type> <domain> <policy-string> <mx-host> <successes> <failures>}, then per failure-details entry
 * {@code detail <result-type> sip=.. mx=.. helo=.. rip=.. n=.. reason=..} ({@code -} for a field left out). A field
 * the RFC does not name shows as {@code unknown=...}.
 */
final class TlsReportJson {

    private static final String SCRIPT = """
            import json,sys
            r=json.load(open(sys.argv[1]))
            known={'result-type','sending-mta-ip','receiving-mx-hostname','receiving-mx-helo','receiving-ip',
                   'failed-session-count','additional-information','failure-reason-code'}
            for p in r['policies']:
                h=p['policy']
                print(' '.join(['policy',h['policy-type'],h['policy-domain'],json.dumps(h.get('policy-string')),
                    json.dumps(h.get('mx-host')),str(p['summary']['total-successful-session-count']),
                    str(p['summary']['total-failure-session-count'])]))
                for d in p.get('failure-details',[]):
                    extra=sorted(set(d)-known)
                    print(' '.join(['detail',d['result-type'],'sip='+d.get('sending-mta-ip','-'),
                        'mx='+d.get('receiving-mx-hostname','-'),'helo='+d.get('receiving-mx-helo','-'),
                        'rip='+d.get('receiving-ip','-'),'n=%d'%d['failed-session-count'],
                        'reason='+d.get('failure-reason-code','-')]+(['unknown=%s'%extra] if extra else [])))
            """;

    private TlsReportJson() {
    }

    static List<String> lines(Path tmp, String json) throws Exception {
        Path file = Files.createTempFile(tmp, "report", ".json");
        Files.writeString(file, json);
        Process p = new ProcessBuilder(Tools.require("/usr/bin/python3"), "-c", SCRIPT, file.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return List.of(out.split("\n"));
    }
}
