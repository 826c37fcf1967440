package io.metalprompt.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.metalprompt.store.ApiKeys;

/** Header parsing and the answers for every kind of bad credential, over a map of key records by hash. */
class AuthenticatorTest {

    private static final String VALID = "mpk_" + "a".repeat(43);
    private static final String REVOKED = "mpk_" + "r".repeat(43);
    private static final String BOOTSTRAP = "dev-bootstrap-key-0123456789";

    /** By the keys' hashes, as Redis holds them. */
    private final Map<String, ApiKeys.ApiKey> keys = Map.of(
            ApiKeys.hash(VALID), new ApiKeys.ApiKey("key_1", "acme", Instant.EPOCH, null),
            ApiKeys.hash(REVOKED), new ApiKeys.ApiKey("key_2", "acme", Instant.EPOCH, Instant.parse("2026-01-01T00:00:00Z")));

    private final Authenticator auth = new Authenticator(hash -> Optional.ofNullable(keys.get(hash)), Optional.of(BOOTSTRAP), "dev");

    private ApiException refused(String... headers) {
        ApiException e = assertThrows(ApiException.class, () -> auth.tenantOf(headers == null ? null : Arrays.asList(headers)));
        assertEquals(401, e.status());
        assertTrue(e.headers().get("WWW-Authenticate").startsWith("Bearer realm=\"metal-prompt\""), e.headers().toString());
        return e;
    }

    @Test
    void aStoredKeyNamesItsTenantWhateverTheSchemeCaseAndSpacing() {
        assertEquals("acme", auth.tenantOf(List.of("Bearer " + VALID)));
        assertEquals("acme", auth.tenantOf(List.of("bearer  " + VALID + " ")));
        assertEquals("acme", auth.tenantOf(List.of("BEARER " + VALID)));
    }

    @Test
    void theBootstrapKeyNamesTheBootstrapTenant() {
        assertEquals("dev", auth.tenantOf(List.of("Bearer " + BOOTSTRAP)));
        assertTrue(auth.bootstrapEnabled());
    }

    @Test
    void noHeaderAsksForAKeyWithoutAnErrorCode() {
        for (List<String> none : Arrays.asList(null, List.<String>of())) {
            ApiException e = assertThrows(ApiException.class, () -> auth.tenantOf(none));
            assertEquals("Bearer realm=\"metal-prompt\"", e.headers().get("WWW-Authenticate"));
            assertTrue(e.detail().contains("Authorization: Bearer <key>"), e.detail());
        }
    }

    @Test
    void malformedHeadersAreInvalidRequests() {
        for (String header : new String[] {"", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", VALID, "Bearer a b",
                "Token " + VALID}) {
            ApiException e = refused(header);
            assertTrue(e.headers().get("WWW-Authenticate").contains("error=\"invalid_request\""), header);
        }
        assertTrue(refused("Bearer " + VALID, "Bearer " + VALID).detail().contains("one Authorization header"));
    }

    @Test
    void unknownMalformedAndRevokedKeysAreInvalidTokens() {
        for (String token : new String[] {"mpk_unknown", "ü-not-b64", "x".repeat(300), "a=b", VALID + "x"}) {
            ApiException e = refused("Bearer " + token);
            assertTrue(e.headers().get("WWW-Authenticate").contains("error=\"invalid_token\""), token);
            assertEquals("the API key is not valid", e.detail());
            assertFalse(e.detail().contains(token));
        }
        ApiException revoked = refused("Bearer " + REVOKED);
        assertTrue(revoked.detail().contains("key_2 was revoked"), revoked.detail());
        assertTrue(revoked.headers().get("WWW-Authenticate").contains("revoked key"));
    }

    @Test
    void aShortOrOddBootstrapKeyFailsTheStart() {
        assertThrows(IllegalArgumentException.class, () -> new Authenticator(k -> Optional.empty(), Optional.of("short"), "dev"));
        assertThrows(IllegalArgumentException.class,
                () -> new Authenticator(k -> Optional.empty(), Optional.of("has spaces in it but is long"), "dev"));
        assertThrows(IllegalArgumentException.class, () -> new Authenticator(k -> Optional.empty(), Optional.of(BOOTSTRAP), "a:b"));
        assertFalse(new Authenticator(k -> Optional.empty(), Optional.empty(), "dev").bootstrapEnabled());
    }
}
