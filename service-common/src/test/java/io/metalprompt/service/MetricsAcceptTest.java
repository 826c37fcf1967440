package io.metalprompt.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The metrics format each kind of scraper gets: OpenMetrics only for a client that prefers it, as Prometheus does. */
class MetricsAcceptTest {

    @Test
    void prometheusGetsOpenMetrics() {
        assertEquals(MetricsAccept.OPENMETRICS, MetricsAccept.resolve("application/openmetrics-text;version=1.0.0,"
                + "application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"));
        assertEquals(MetricsAccept.OPENMETRICS, MetricsAccept.resolve("application/openmetrics-text"));
        assertEquals(MetricsAccept.OPENMETRICS, MetricsAccept.resolve("text/plain;q=0.2, application/*"));
    }

    @Test
    void everyOtherClientGetsTheTextFormat() {
        assertEquals(MetricsAccept.TEXT, MetricsAccept.resolve(null), "no Accept header");
        assertEquals(MetricsAccept.TEXT, MetricsAccept.resolve(""));
        assertEquals(MetricsAccept.TEXT, MetricsAccept.resolve("*/*"), "curl");
        assertEquals(MetricsAccept.TEXT, MetricsAccept.resolve("text/plain"));
        assertEquals(MetricsAccept.TEXT, MetricsAccept.resolve("text/plain;version=0.0.4;q=1,*/*;q=0.1"));
        assertEquals(MetricsAccept.TEXT,
                MetricsAccept.resolve("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"), "a browser");
        assertEquals(MetricsAccept.TEXT, MetricsAccept.resolve("application/openmetrics-text, text/plain"),
                "a tie goes to the text format");
        assertEquals(MetricsAccept.TEXT, MetricsAccept.resolve("application/openmetrics-text;q=0"));
    }

    @Test
    void theMostSpecificRangeGivesTheQuality() {
        assertEquals(0.3, MetricsAccept.quality("*/*;q=0.9, text/*;q=0.3", "text", "plain"));
        assertEquals(0.9, MetricsAccept.quality("text/*;q=0.3, text/plain;q=0.9", "text", "plain"));
        assertEquals(0.0, MetricsAccept.quality("application/json", "text", "plain"));
        assertEquals(1.0, MetricsAccept.quality(" Text/Plain ; charset=utf-8", "text", "plain"));
    }
}
