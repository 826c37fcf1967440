package io.metalprompt.e2e.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.metalprompt.testing.ProjectPaths;

/**
 * The console against the API of issue 16 before the gateway has it: the console's own files, served with the
 * gateway's Content-Security-Policy by the JDK's HTTP server, beside a stand-in API that lists tasks in pages and
 * reports versions, scores and refinement as {@code docs/api.md} describes them. The console pages over
 * {@code nextCursor}, fills the scores from each task's view, shows the versions, and the version that answered.
 */
class ConsoleWithListingIT {

    private static final Path FILES = ProjectPaths.root().resolve("gateway/src/main/resources/META-INF/resources/console");
    private static final String KEY = "mpk_console-listing-test-key";

    private static final String READY = """
            {"id":"t-ready","status":"ready","design":"PREFIX","k":16,"pgmVersion":"pgm-7","options":["positive","negative"],
             "createdAt":"2026-12-01T10:00:00Z","examples":24,"version":2,"refine":{"steps":50,"status":"running"},
             "versions":[
               {"number":1,"source":"generated","examplesSeen":16,"pgmVersion":"pgm-7","createdAt":"2026-12-01T10:00:01Z","served":false,
                "quality":{"macroF1":0.61,"accuracy":0.7,"iclMacroF1":0.58,"iclAccuracy":0.66,"validationExamples":8}},
               {"number":2,"source":"examples","examplesSeen":24,"pgmVersion":"pgm-7","createdAt":"2026-12-02T09:00:00Z","served":true,
                "quality":{"macroF1":0.64,"accuracy":0.72,"iclMacroF1":0.6,"iclAccuracy":0.68,"validationExamples":8}},
               {"number":3,"source":"refined","examplesSeen":24,"pgmVersion":"pgm-7","createdAt":"2026-12-02T09:05:00Z","served":false,
                "quality":{"macroF1":0.5,"accuracy":0.6,"iclMacroF1":0.6,"iclAccuracy":0.68,"validationExamples":8},
                "rejected":"macro-F1 0.500 below the served 0.640"}]}""";

    private final List<String> calls = new CopyOnWriteArrayList<>();
    private final List<String> idempotencyKeys = new CopyOnWriteArrayList<>();
    private HttpServer server;
    private HeadlessChromium browser;
    private ChromeDriver page;

    /** The policy the gateway sends for /console, read from its application.properties. */
    private static String gatewayPolicy() throws IOException {
        String prefix = "metal.gateway.console-policy=";
        return Files.readAllLines(ProjectPaths.root().resolve("gateway/src/main/resources/application.properties")).stream()
                .filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length())).findFirst().orElseThrow();
    }

    @BeforeEach
    void start() throws Exception {
        String policy = gatewayPolicy();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/console/", ex -> {
            String name = ex.getRequestURI().getPath().substring("/console/".length());
            Path file = FILES.resolve(name.isEmpty() ? "index.html" : name).normalize();
            if (!file.startsWith(FILES) || !Files.isRegularFile(file)) {
                send(ex, 404, "text/plain", "");
                return;
            }
            Map<String, String> types = Map.of("html", "text/html", "js", "text/javascript", "css", "text/css", "svg", "image/svg+xml");
            ex.getResponseHeaders().add("Content-Security-Policy", policy);
            send(ex, 200, types.get(name.isEmpty() ? "html" : name.substring(name.lastIndexOf('.') + 1)), Files.readString(file));
        });
        server.createContext("/v1/", this::api);
        server.start();
        browser = HeadlessChromium.start();
        page = browser.driver();
    }

    @AfterEach
    void stop() throws Exception {
        if (browser != null) {
            Files.write(HeadlessChromium.OUT.resolve("console-with-listing.png"), page.getScreenshotAs(OutputType.BYTES));
            browser.close();
        }
        server.stop(0);
    }

    private void api(HttpExchange ex) throws IOException {
        String call = ex.getRequestMethod() + " " + ex.getRequestURI();
        calls.add(call);
        if (!("Bearer " + KEY).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
            send(ex, 401, "application/problem+json", "{\"title\":\"Unauthorized\",\"status\":401}");
        } else if (call.equals("GET /v1/tasks?limit=20")) {
            send(ex, 200, "application/json", "{\"tasks\":[{\"id\":\"t-ready\",\"status\":\"ready\",\"design\":\"PREFIX\",\"version\":2},"
                    + "{\"id\":\"t-failed\",\"status\":\"failed\",\"reason\":\"no PGM for design X\"}],\"nextCursor\":\"c/2+\"}");
        } else if (call.equals("GET /v1/tasks?limit=20&cursor=c%2F2%2B")) {
            send(ex, 200, "application/json", "{\"tasks\":[{\"id\":\"t-old\",\"status\":\"ready\",\"design\":\"DISCRETE\"}],\"nextCursor\":null}");
        } else if (call.equals("GET /v1/tasks/t-ready")) {
            send(ex, 200, "application/json", READY);
        } else if (call.startsWith("GET /v1/tasks/t-")) {
            String id = call.substring("GET /v1/tasks/".length());
            send(ex, 200, "application/json", "{\"id\":\"" + id + "\",\"status\":\"" + (id.equals("t-failed") ? "failed" : "ready") + "\"}");
        } else if (call.equals("POST /v1/tasks/t-ready/predictions")) {
            idempotencyKeys.add(ex.getRequestHeaders().getFirst("Idempotency-Key"));
            send(ex, 200, "application/json", "{\"taskId\":\"t-ready\",\"pgmVersion\":\"pgm-7\",\"version\":2,\"predictions\":"
                    + "[{\"input\":\"what a film\",\"choice\":\"positive\",\"scores\":{\"positive\":-0.2,\"negative\":-1.9}}]}");
        } else {
            send(ex, 404, "application/problem+json", "{\"title\":\"Not Found\",\"status\":404}");
        }
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private WebDriverWait waiting() {
        return new WebDriverWait(page, Duration.ofSeconds(20));
    }

    /** One column of the task list, read in one go (rows are replaced as each task's full view arrives). */
    @SuppressWarnings("unchecked")
    private List<String> column(int index) {
        return (List<String>) page.executeScript("return Array.from(document.querySelectorAll('#tasks tbody tr'))"
                + ".map(r => r.cells[arguments[0]].textContent)", index);
    }

    @Test
    void pagesTasksShowsTheirScoresVersionsAndTheVersionThatAnswered() {
        page.get("http://127.0.0.1:" + server.getAddress().getPort() + "/console/");
        page.findElement(By.id("api-key")).sendKeys(KEY);
        page.findElement(By.id("use-key")).click();

        waiting().until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#tasks tbody"), "0.640"));
        assertEquals(List.of("t-ready", "t-failed"), column(0));
        assertFalse(page.findElement(By.id("list-note")).isDisplayed(), "listing works: no note");
        page.findElement(By.id("more")).click();
        waiting().until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#tasks tbody tr"), 3));
        assertEquals(List.of("t-ready", "t-failed", "t-old"), column(0));
        assertEquals(List.of("ready", "failed", "ready"), column(1));
        assertEquals("2", column(3).get(0));
        assertFalse(page.findElement(By.id("more")).isDisplayed(), "the last page has no cursor");

        page.findElement(By.cssSelector("#tasks tbody tr[data-task-id='t-ready'] button")).click();
        waiting().until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#versions tbody tr"), 3));
        String fields = page.findElement(By.id("task-fields")).getText();
        assertTrue(fields.contains("Refinement\n50 steps, running") && fields.contains("Examples seen\n24"), fields);
        WebElement served = page.findElement(By.cssSelector("#versions tbody tr.served"));
        assertTrue(served.getText().startsWith("2 examples 24 pgm-7"), served.getText());
        assertTrue(served.getText().contains("0.640 0.720 0.600 0.680 8"), served.getText());
        assertTrue(page.findElements(By.cssSelector("#versions tbody tr")).get(2).getText()
                .endsWith("macro-F1 0.500 below the served 0.640"));

        page.findElement(By.id("predict-inputs")).sendKeys("what a film");
        page.findElement(By.id("predict")).click();
        waiting().until(ExpectedConditions.textToBePresentInElementLocated(By.id("prediction-note"), "Answered by version 2, PGM pgm-7."));
        assertEquals("positive", page.findElement(By.cssSelector("#predictions td.answer")).getText());
        assertEquals(1, idempotencyKeys.size());
        assertTrue(idempotencyKeys.get(0).matches("[0-9a-f]{32}"), idempotencyKeys.get(0));

        assertNull(page.executeScript("return document.body.dataset.cspViolation || null"));
        assertTrue(browser.consoleMessages().stream().noneMatch(m -> m.contains("Content Security Policy") || m.contains("Uncaught")));
    }
}
