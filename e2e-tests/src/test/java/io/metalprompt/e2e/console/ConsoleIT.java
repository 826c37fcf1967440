package io.metalprompt.e2e.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import io.metalprompt.e2e.ServiceProcess;
import io.metalprompt.store.ApiKeys;
import io.metalprompt.store.RedisConnector;
import io.metalprompt.testing.TestInfrastructure;

/**
 * The console ({@code /console/}, static files of the gateway) in a real headless Chromium against the packaged
 * services: a tenant pastes its key, registers a task from the form, sees it listed and ready, predicts with it; the
 * page runs under the gateway's strict Content-Security-Policy, keeps the key in session storage only, shows the
 * gateway's problems, and shows data as text. Screenshots land in {@code e2e-tests/target/console/}.
 */
class ConsoleIT {

    private static final List<ServiceProcess> services = new ArrayList<>();
    private static RedisConnector redis;
    private static String key;

    private HeadlessChromium browser;
    private ChromeDriver page;

    @BeforeAll
    static void start() throws Exception {
        TestInfrastructure infra = TestInfrastructure.get();
        services.addAll(ServiceProcess.startTinySystem(Map.of(), Map.of()));
        redis = new RedisConnector(infra.redisUrl(), Duration.ofSeconds(5));
        key = new ApiKeys(redis).create("console").key();
    }

    @AfterAll
    static void stop() throws Exception {
        for (ServiceProcess service : services) {
            service.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @BeforeEach
    void openBrowser() throws Exception {
        browser = HeadlessChromium.start();
        page = browser.driver();
    }

    @AfterEach
    void closeBrowser(TestInfo test) throws Exception {
        if (browser != null) {
            // every test leaves its last screen behind, so a failure can be looked at
            Files.write(HeadlessChromium.OUT.resolve(test.getTestMethod().orElseThrow().getName() + ".png"),
                    page.getScreenshotAs(OutputType.BYTES));
            browser.close();
        }
    }

    private static String console() {
        return services.get(0).baseUrl() + "/console/";
    }

    /** A wait that looks again when the page replaced what it found (the list re-renders a row with its details). */
    private WebDriverWait waiting(int seconds) {
        WebDriverWait wait = new WebDriverWait(page, Duration.ofSeconds(seconds));
        wait.ignoring(StaleElementReferenceException.class);
        return wait;
    }

    /** Clicks the button of a listed task's row, finding the row again if the list re-rendered it meanwhile. */
    private void openListed(By row) {
        waiting(10).until(driver -> {
            driver.findElement(row).findElement(By.tagName("button")).click();
            return true;
        });
    }

    private void useKey(String apiKey) {
        page.get(console());
        page.findElement(By.id("api-key")).sendKeys(apiKey);
        page.findElement(By.id("use-key")).click();
        waiting(10).until(ExpectedConditions.visibilityOfElementLocated(By.id("workspace")));
    }

    /** The row of the task just registered, once it is ready; returns its id. */
    private String registeredAndReady() {
        WebElement note = waiting(30).until(ExpectedConditions.visibilityOfElementLocated(By.id("register-note")));
        assertTrue(note.getText().startsWith("Registered task "), note.getText());
        String id = note.getText().substring("Registered task ".length()).split(" ")[0];
        By row = By.cssSelector("#tasks tbody tr[data-task-id='" + id + "']");
        waiting(90).until(ExpectedConditions.attributeToBe(row, "data-status", "ready"));
        return id;
    }

    /** Nothing the page did was refused by its policy, and nothing failed in it. */
    private void noPolicyViolation() {
        assertNull(page.executeScript("return document.body.dataset.cspViolation || null"), "a CSP violation");
        List<String> messages = browser.consoleMessages();
        assertTrue(messages.stream().noneMatch(m -> m.contains("Content Security Policy") || m.contains("Trusted")
                || m.contains("Uncaught")), String.join("\n", messages));
    }

    @Test
    void aTenantRegistersATaskFromTheFormSeesItListedAndPredicts() throws Exception {
        useKey(key);
        List<WebElement> inputs = page.findElements(By.cssSelector("#example-rows .example-input"));
        List<WebElement> outputs = page.findElements(By.cssSelector("#example-rows .example-output"));
        inputs.get(0).sendKeys("a happy dog wags");
        outputs.get(0).sendKeys("good");
        inputs.get(1).sendKeys("a sad cat sulks");
        outputs.get(1).sendKeys("bad");
        page.findElement(By.id("add-example")).click();
        page.findElements(By.cssSelector("#example-rows .example-input")).get(2).sendKeys("a glad bird sings");
        page.findElements(By.cssSelector("#example-rows .example-output")).get(2).sendKeys("good");
        page.findElement(By.id("register")).click();

        String id = registeredAndReady();

        // listed again after a reload: from GET /v1/tasks, or (a gateway without listing) from this tab's session
        page.navigate().refresh();
        By row = By.cssSelector("#tasks tbody tr[data-task-id='" + id + "']");
        waiting(20).until(ExpectedConditions.attributeToBe(row, "data-status", "ready"));
        WebElement listNote = page.findElement(By.id("list-note"));
        assertTrue(!listNote.isDisplayed() || listNote.getText().startsWith("This gateway does not list tasks yet"),
                listNote.getText());

        openListed(row);
        waiting(20).until(ExpectedConditions.textToBePresentInElementLocated(By.id("task-fields"), "ready"));
        assertEquals(id, page.findElement(By.id("task-id")).getText());
        assertTrue(page.findElement(By.id("task-fields")).getText().contains("good"), "the options are shown");

        page.findElement(By.id("predict-inputs")).sendKeys("a cheerful puppy\na gloomy kitten");
        page.findElement(By.id("predict")).click();
        waiting(40).until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#predictions tbody tr"), 2));
        for (WebElement answer : page.findElements(By.cssSelector("#predictions tbody td.answer"))) {
            assertTrue(List.of("good", "bad").contains(answer.getText()), answer.getText());
        }
        Files.write(HeadlessChromium.OUT.resolve("console.png"), page.getScreenshotAs(OutputType.BYTES));

        assertEquals(key, page.executeScript("return sessionStorage.getItem('metal.console.apiKey')"));
        assertEquals(0L, page.executeScript("return localStorage.length"), "nothing in local storage");
        assertEquals("", page.executeScript("return document.cookie"), "no cookie");
        noPolicyViolation();
    }

    @Test
    void aTaskFromPastedJsonlShowsItsMarkupAsText() {
        useKey(key);
        String markup = "<img src=x onerror=\\\"document.body.dataset.injected=1\\\">";
        page.findElement(By.id("jsonl")).sendKeys(
                "{\"input\": \"" + markup + " a fine day\", \"output\": \"<b>yes</b>\", \"options\": [\"<b>yes</b>\", \"no\"]}\n"
                        + "{\"input\": \"a grey day\", \"output\": \"no\", \"options\": [\"<b>yes</b>\", \"no\"]}\n");
        page.findElement(By.id("register")).click();
        String id = registeredAndReady();

        openListed(By.cssSelector("#tasks tbody tr[data-task-id='" + id + "']"));
        waiting(20).until(ExpectedConditions.textToBePresentInElementLocated(By.id("task-fields"), "<b>yes</b>"));
        page.findElement(By.id("predict-inputs")).sendKeys("<script>document.body.dataset.injected=2</script>");
        page.findElement(By.id("predict")).click();
        waiting(40).until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#predictions tbody tr"), 1));

        assertEquals("<script>document.body.dataset.injected=2</script>",
                page.findElement(By.cssSelector("#predictions tbody td")).getText());
        assertEquals(0L, page.executeScript(
                "return document.querySelectorAll('main b, main img, main script').length"), "no element made of data");
        assertNull(page.executeScript("return document.body.dataset.injected || null"));
        noPolicyViolation();
    }

    @Test
    void aKeyTheGatewayRefusesShowsItsProblemAndCanBeForgotten() {
        useKey("mpk_not-a-key-of-this-gateway-at-all");
        WebElement problem = waiting(20).until(ExpectedConditions.visibilityOfElementLocated(
                By.cssSelector("#tasks-section .problem")));
        assertTrue(problem.getText().startsWith("Unauthorized (401)"), problem.getText());
        assertTrue(problem.getText().contains("urn:metal-prompt:problem:unauthorized"), problem.getText());

        page.findElement(By.id("forget-key")).click();
        assertFalse(page.findElement(By.id("workspace")).isDisplayed());
        assertNull(page.executeScript("return sessionStorage.getItem('metal.console.apiKey')"));
        noPolicyViolation();
    }

    @Test
    void theConsoleIsServedWithAStrictContentSecurityPolicy() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        for (String file : List.of("", "index.html", "console.js", "console.css")) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(console() + file)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), file);
            String policy = r.headers().firstValue("Content-Security-Policy").orElse("");
            assertTrue(policy.contains("default-src 'none'") && policy.contains("script-src 'self'")
                    && policy.contains("require-trusted-types-for 'script'"), file + ": " + policy);
            assertFalse(policy.contains("unsafe"), policy);
            assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(""), file);
        }
        String html = http.send(HttpRequest.newBuilder(URI.create(console())).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertFalse(html.matches("(?s).*<script(?![^>]*\\bsrc=)[^>]*>.*"), "no inline script");
        assertFalse(html.matches("(?s).*\\sstyle=.*") || html.contains("<style"), "no inline style");
        assertFalse(html.matches("(?s).*\\son[a-z]+=.*"), "no inline event handler");
    }
}
