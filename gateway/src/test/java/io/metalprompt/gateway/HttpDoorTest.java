package io.metalprompt.gateway;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.metalprompt.events.TaskIds;
import io.metalprompt.testing.KafkaRedisTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/**
 * Requests the HTTP server refuses before the application: each issue 19 reproduction, sent as raw bytes. Those
 * {@link RequestHeadCheck} and {@link RouterErrors} can see are problem+json; the ones Vert.x's HTTP codec refuses
 * itself get a bare status, because Vert.x answers them with its default invalid-request handler and Quarkus 3.33
 * creates the HTTP server without a way to replace it (quarkus#55082). The tests of those pin the bare answer: if a
 * later Quarkus lets an application shape it, they fail, and should then require problem+json.
 */
@QuarkusTest
@QuarkusTestResource(KafkaRedisTestResource.class)
class HttpDoorTest {

    private static final String KEY = "Authorization: Bearer " + TestRedis.key();

    private static RawHttp.Answer problem(RawHttp.Answer answer, int status, String slug) {
        assertEquals(status, answer.status(), answer::toString);
        assertEquals("application/problem+json", answer.header("Content-Type"), answer::toString);
        assertTrue(answer.body().contains("\"status\":" + status), answer::toString);
        assertTrue(answer.body().contains("\"type\":\"urn:metal-prompt:problem:" + slug + "\""), answer::toString);
        assertFalse(answer.body().contains("Exception"), answer::toString);
        return answer;
    }

    private static void bare(RawHttp.Answer answer, int status) {
        assertEquals(status, answer.status(), answer::toString);
        assertEquals("", answer.body(), answer::toString);
        assertEquals(null, answer.header("Content-Type"), answer::toString);
    }

    @Test
    void aHeaderOf100KbIs431() {
        RawHttp.Answer answer = problem(RawHttp.send(RawHttp.request("GET /v1/tasks/x HTTP/1.1", KEY,
                "X-Big: " + "a".repeat(100_000))), 431, "headers-too-large");
        assertTrue(answer.body().contains("the limit is 20480 bytes (metal.gateway.max-header-size)"), answer::toString);
        assertEquals("close", answer.header("Connection"));
    }

    @Test
    void aLongIdIs414() {
        RawHttp.Answer answer = problem(RawHttp.send(RawHttp.request("GET /v1/tasks/" + "a".repeat(10_000) + " HTTP/1.1",
                KEY)), 414, "uri-too-long");
        assertTrue(answer.body().contains("the limit is 4096 (metal.gateway.max-uri-length)"), answer::toString);
    }

    /** Quarkus's own body-size check answered this one with a bare 413 before the API's filter saw it. */
    @Test
    void aContentLengthOfTenGigabytesIs413() {
        RawHttp.Answer answer = problem(RawHttp.send(RawHttp.request("POST /v1/tasks HTTP/1.1", KEY,
                "Content-Type: application/json", "Content-Length: 10000000000")), 413, "too-large");
        assertTrue(answer.body().contains("the request body has 10000000000 bytes; the limit is 2097152 bytes "
                + "(metal.gateway.max-body-size)"), answer::toString);
        assertEquals("close", answer.header("Connection"));
    }

    @Test
    void rawNonAsciiInThePathIs400() {
        byte[] request = ("GET /v1/tasks/\u00e9t\u00e9 HTTP/1.1\r\nHost: 127.0.0.1\r\n" + KEY + "\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8);
        RawHttp.Answer answer = problem(RawHttp.send(request), 400, "malformed-request");
        assertTrue(answer.body().contains("outside printable ASCII"), answer::toString);
    }

    /** Quarkus's first handler refused this one with a bare 400 (GatewayMain turns that check over to the API). */
    @Test
    void aBrokenPercentEscapeInThePathIs400() {
        RawHttp.Answer answer = problem(RawHttp.send(RawHttp.request("GET /v1/tasks/%zz HTTP/1.1", KEY)), 400,
                "malformed-request");
        assertTrue(answer.body().contains("not a valid URI") && answer.body().contains("%25"), answer::toString);
    }

    @Test
    void aPathNoRouteServesIs404() {
        problem(RawHttp.send(RawHttp.request("GET /nope HTTP/1.1")), 404, "not-found");
        problem(RawHttp.send(RawHttp.request("GET /q/nope HTTP/1.1")), 404, "not-found");
    }

    /** A 405 said "allowed: []" with an empty Allow header; it names what the path accepts. */
    @Test
    void a405NamesTheMethodsThePathAccepts() {
        TaskApiTest.problem(TaskApiTest.api().contentType(ContentType.JSON).body("{}").when().put("/v1/tasks").then(), 405)
                .header("Allow", "GET, HEAD, OPTIONS, POST")
                .body("detail", equalTo("this path does not accept PUT; allowed: GET, HEAD, OPTIONS, POST"));
        TaskApiTest.problem(TaskApiTest.api().contentType(ContentType.JSON).body("{}").when()
                .put("/v1/tasks/" + TaskIds.next()).then(), 405).header("Allow", "DELETE, GET, HEAD, OPTIONS");
        TaskApiTest.problem(TaskApiTest.api().when().get("/v1/tasks/" + TaskIds.next() + "/predictions").then(), 405)
                .header("Allow", "OPTIONS, POST");
        given().when().delete("/v1/tasks").then().statusCode(405).header("Allow", "GET, HEAD, OPTIONS, POST");
    }

    /** OPTIONS lists what the path takes, as the 405 does (it listed the whole class: GET for /v1/tasks). */
    @Test
    void optionsListsTheMethodsOfThePath() {
        TaskApiTest.api().when().options("/v1/tasks").then().statusCode(200).header("Allow", "GET, HEAD, OPTIONS, POST");
        TaskApiTest.api().when().options("/v1/tasks/" + TaskIds.next()).then().statusCode(200)
                .header("Allow", "DELETE, GET, HEAD, OPTIONS");
        TaskApiTest.api().when().options("/v1/tasks/" + TaskIds.next() + "/predictions").then().statusCode(200)
                .header("Allow", "OPTIONS, POST");
        given().when().options("/v1/tasks").then().statusCode(200).header("Allow", "GET, HEAD, OPTIONS, POST");   // no key, as before
    }

    // --- refused by the HTTP codec: a bare status, no body (see the class comment) ------------------------------

    @Test
    void aNulInAHeaderIsABare400() {
        bare(RawHttp.send(RawHttp.request("GET /v1/tasks/x HTTP/1.1", KEY, "X-A: a\u0000b")), 400);
    }

    @Test
    void aNegativeContentLengthIsABare400() {
        bare(RawHttp.send(RawHttp.request("POST /v1/tasks HTTP/1.1", KEY, "Content-Type: application/json",
                "Content-Length: -1")), 400);
    }

    @Test
    void contentLengthBesideTransferEncodingIsABare400() {
        byte[] request = ("POST /v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\n" + KEY + "\r\nContent-Type: application/json\r\n"
                + "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        bare(RawHttp.send(request), 400);
    }

    /**
     * Beyond quarkus.http.limits.max-header-size (128K) the codec stops reading: 431 without a body. Just beyond, so
     * that little is left unread when the server closes (unread bytes would reset the connection before the answer).
     */
    @Test
    void aHeaderBeyondTheCodecsLimitIsABare431() {
        bare(RawHttp.send(RawHttp.request("GET /v1/tasks/x HTTP/1.1", KEY, "X-Big: " + "a".repeat(132_000))), 431);
    }

    /** Beyond quarkus.http.limits.max-initial-line-length (64K) the codec stops reading: 414 without a body. */
    @Test
    void aRequestLineBeyondTheCodecsLimitIsABare414() {
        bare(RawHttp.send(RawHttp.request("GET /v1/tasks/" + "a".repeat(66_000) + " HTTP/1.1", KEY)), 414);
    }
}
