package io.armadakv.node.metrics;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The test parser accepts what the format allows and refuses what it does not. */
class PrometheusTextTest {

    @Test
    void readsFamiliesLabelsEscapesAndSpecialValues() {
        PrometheusText t = PrometheusText.parse("""
                # HELP a_total Things counted \\\\ with a \\n newline.
                # TYPE a_total counter
                a_total{table="x",mp_scope="application",} 3.0
                a_total{table="q\\"uote\\\\"} 1 1700000000000
                # TYPE d_seconds summary
                d_seconds{quantile="0.5"} NaN
                d_seconds_count 2
                d_seconds_sum 0.25
                # TYPE h histogram
                h_bucket{le="+Inf"} 1
                h_count 1
                h_sum 1e-3
                g -Inf
                """);
        assertEquals(3.0, t.value("a_total", Map.of("table", "x")));
        assertEquals(1.0, t.value("a_total", Map.of("table", "q\"uote\\")));
        assertTrue(Double.isNaN(t.value("d_seconds", Map.of("quantile", "0.5"))));
        assertEquals(0.001, t.value("h_sum", Map.of()));
        assertEquals(Double.NEGATIVE_INFINITY, t.value("g", Map.of()));
        assertEquals("summary", t.types().get("d_seconds"));
    }

    @Test
    void refusesWhatTheFormatDoesNotAllow() {
        for (String bad : new String[] {
                "1abc 1\n",                                  // metric name
                "a{1x=\"v\"} 1\n",                           // label name
                "a{x=v} 1\n",                                // unquoted value
                "a{x=\"v\\t\"} 1\n",                         // escape
                "a{x=\"v\"} one\n",                          // value
                "a 1 12.5\n",                                // timestamp
                "a 1",                                       // no final line feed
                "# TYPE a gauge\n# TYPE a gauge\na 1\n",     // two TYPEs
                "a 1\n# TYPE a gauge\n",                     // TYPE after samples
                "# TYPE a meter\na 1\n",                     // unknown type
                "a{x=\"1\"} 1\na{x=\"1\"} 2\n",              // same series twice
                "# TYPE h histogram\nh 1\n",                 // bare histogram sample
        }) {
            assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse(bad), bad);
        }
    }
}
