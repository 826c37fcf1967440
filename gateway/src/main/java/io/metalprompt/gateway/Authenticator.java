package io.metalprompt.gateway;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.security.MessageDigest;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.metalprompt.store.ApiKeys;

/**
 * Resolves the tenant of a call from its {@code Authorization: Bearer <key>} header (RFC 6750): the key is looked
 * up by its SHA-256 ({@link ApiKeys}, through the {@link ApiKeyCache}), or is the configured bootstrap key. Anything
 * else is a 401 whose {@code WWW-Authenticate} challenge and detail say what is wrong; the key itself is never logged
 * nor echoed.
 */
public final class Authenticator {

    public static final String REALM = "metal-prompt";
    /** Shortest bootstrap key accepted: it is typed by people, so it is the weakest key in the system. */
    public static final int MIN_BOOTSTRAP_KEY_LENGTH = 20;

    private static final Pattern BEARER = Pattern.compile("(?i)bearer +(\\S+) *");
    /** RFC 6750 b64token, bounded: no key this system issues is longer. */
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9\\-._~+/]{1,256}=*");
    private static final String CHALLENGE = "Bearer realm=\"" + REALM + "\"";

    private final Function<String, Optional<ApiKeys.ApiKey>> keys;
    private final byte[] bootstrapHash;
    private final String bootstrapTenant;

    /**
     * @param keys            finds a key's record by the key's SHA-256 hex ({@link ApiKeyCache#find}, which reads
     *                        {@link ApiKeys#findByHash}): the hash is computed once, here
     * @param bootstrapKey    a key accepted besides the stored ones (development and tests), or empty
     * @param bootstrapTenant the tenant the bootstrap key acts for
     */
    public Authenticator(Function<String, Optional<ApiKeys.ApiKey>> keys, Optional<String> bootstrapKey,
                         String bootstrapTenant) {
        this.keys = keys;
        if (bootstrapKey.isPresent()) {
            String key = bootstrapKey.get();
            if (key.length() < MIN_BOOTSTRAP_KEY_LENGTH || !TOKEN.matcher(key).matches()) {
                throw new IllegalArgumentException("metal.gateway.auth.bootstrap-key must have at least "
                        + MIN_BOOTSTRAP_KEY_LENGTH + " characters, all of A-Z a-z 0-9 - . _ ~ + / (then '=' padding)");
            }
            ApiKeys.requireTenant(bootstrapTenant);
            this.bootstrapHash = ApiKeys.hash(key).getBytes(UTF_8);
        } else {
            this.bootstrapHash = null;
        }
        this.bootstrapTenant = bootstrapTenant;
    }

    public boolean bootstrapEnabled() {
        return bootstrapHash != null;
    }

    /** The tenant the call acts for, from the values of its Authorization headers; 401 otherwise. */
    public String tenantOf(List<String> authorization) {
        if (authorization == null || authorization.isEmpty()) {
            throw ApiException.unauthorized("this API needs an API key: send the header 'Authorization: Bearer <key>' "
                    + "(an operator creates keys with 'metal keys create --tenant <tenant>')", CHALLENGE);
        }
        if (authorization.size() > 1) {
            throw invalidRequest("send one Authorization header, not " + authorization.size());
        }
        Matcher bearer = BEARER.matcher(authorization.get(0).strip());
        if (!bearer.matches()) {
            throw invalidRequest("the Authorization header must have the form 'Bearer <key>'");
        }
        String token = bearer.group(1);
        if (!TOKEN.matcher(token).matches()) {
            throw invalidToken("the API key is not valid", "malformed key");
        }
        String hash = ApiKeys.hash(token);
        if (bootstrapHash != null && MessageDigest.isEqual(bootstrapHash, hash.getBytes(UTF_8))) {
            return bootstrapTenant;
        }
        ApiKeys.ApiKey key = keys.apply(hash)
                .orElseThrow(() -> invalidToken("the API key is not valid", "unknown key"));
        if (key.revoked()) {
            throw invalidToken("the API key " + key.id() + " was revoked on " + key.revokedAt()
                    + "; ask for a new key", "revoked key");
        }
        return key.tenant();
    }

    private static ApiException invalidRequest(String detail) {
        return ApiException.unauthorized(detail, CHALLENGE + ", error=\"invalid_request\"");
    }

    private static ApiException invalidToken(String detail, String description) {
        return ApiException.unauthorized(detail, CHALLENGE + ", error=\"invalid_token\", error_description=\""
                + description + "\"");
    }
}
