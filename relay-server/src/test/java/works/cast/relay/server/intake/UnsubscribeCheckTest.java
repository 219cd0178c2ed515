package works.cast.relay.server.intake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import works.cast.relay.core.mail.HeaderBlock;
import works.cast.relay.core.mail.HeaderField;
import works.cast.relay.server.intake.UnsubscribeCheck.Problem;

class UnsubscribeCheckTest {

    private static HeaderBlock headers(String... lines) {
        List<HeaderField> fields = new ArrayList<>();
        fields.add(HeaderField.parse("From: news@cast.works\r\n"));
        Arrays.stream(lines).forEach(l -> fields.add(HeaderField.parse(l + "\r\n")));
        return new HeaderBlock(fields);
    }

    @Test
    void oneClickWithHttpsPasses() {
        assertEquals(Optional.empty(), UnsubscribeCheck.find(headers("List-Id: <news.cast.works>",
                "List-Unsubscribe: <mailto:u@cast.works>,\r\n <https://cast.works/u?id=1>",
                "List-Unsubscribe-Post: List-Unsubscribe=One-Click")));
    }

    @Test
    void eachProblemIsNamed() {
        assertEquals(Optional.of(Problem.MISSING), UnsubscribeCheck.find(headers("Precedence: bulk")));
        assertEquals(Optional.of(Problem.MISSING), UnsubscribeCheck.find(headers("List-Id: <news.cast.works>")));
        assertEquals(Optional.of(Problem.NO_HTTPS), UnsubscribeCheck.find(headers(
                "List-Unsubscribe: <mailto:u@cast.works>", "List-Unsubscribe-Post: List-Unsubscribe=One-Click")));
        assertEquals(Optional.of(Problem.NO_HTTPS), UnsubscribeCheck.find(headers(
                "List-Unsubscribe: <http://cast.works/u>", "List-Unsubscribe-Post: List-Unsubscribe=One-Click")));
        assertEquals(Optional.of(Problem.NO_ONE_CLICK), UnsubscribeCheck.find(headers(
                "List-Unsubscribe: <https://cast.works/u>")));
        assertEquals(Optional.of(Problem.NO_ONE_CLICK), UnsubscribeCheck.find(headers(
                "List-Unsubscribe: <https://cast.works/u>", "List-Unsubscribe-Post: yes")));
    }

    @Test
    void personalMailNeedsNothing() {
        assertEquals(Optional.empty(), UnsubscribeCheck.find(headers("Subject: invoice", "Precedence: junk")));
    }

    @Test
    void onlyBulkMailIsRefusedAndOnlyWhenRequired() {
        List<Problem> counted = new ArrayList<>();
        UnsubscribeCheck required = new UnsubscribeCheck(true, counted::add);
        HeaderBlock bulk = headers("Precedence: list", "List-Unsubscribe: <https://cast.works/u>");
        assertEquals(Optional.of(Problem.NO_ONE_CLICK), required.problem(bulk));
        assertTrue(required.refuses(bulk));
        HeaderBlock transactional = headers("List-Unsubscribe: <mailto:u@cast.works>");
        assertEquals(Optional.of(Problem.NO_HTTPS), required.problem(transactional));
        assertFalse(required.refuses(transactional));
        assertFalse(new UnsubscribeCheck(false, p -> { }).refuses(bulk));
        assertEquals(List.of(Problem.NO_ONE_CLICK, Problem.NO_HTTPS), counted);
    }
}
