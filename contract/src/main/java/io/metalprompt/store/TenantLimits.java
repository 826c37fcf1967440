package io.metalprompt.store;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.time.Duration;

import io.lettuce.core.ScriptOutputType;

/**
 * A tenant's request rate and requests in progress, counted in Redis so that every gateway instance enforces the
 * same limit ({@code docs/architecture.md}, "Tenants, API keys and quotas"). Each check is one Lua script on keys of
 * the tenant's hash tag, so it is atomic and slot-safe in a Redis Cluster:
 * <ul>
 *   <li>{@code metal:{tenant:<name>}:rate}: hash {@code tokens}, {@code ts} (microseconds of the Redis server's
 *       clock, so gateways with skewed clocks agree): a token bucket, expiring once it would be full again;</li>
 *   <li>{@code metal:{tenant:<name>}:inflight}: sorted set of permit ids scored by the time (ms, Redis clock) their
 *       lease ends; an entry leaves when its request ends, or when its lease ends if its gateway died mid-request.</li>
 * </ul>
 */
public final class TenantLimits {

    // KEYS[1] bucket; ARGV: rate per second, burst. Answers 0 (a token taken) or the microseconds until the next.
    private static final String TAKE = """
            if redis.replicate_commands then redis.replicate_commands() end
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
            local rate = tonumber(ARGV[1])
            local burst = tonumber(ARGV[2])
            local s = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
            local tokens = tonumber(s[1]) or burst
            local ts = tonumber(s[2]) or now
            if now > ts then tokens = math.min(burst, tokens + (now - ts) * rate / 1000000) end
            local wait = 0
            if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) * 1000000 / rate) end
            redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'ts', string.format('%.0f', math.max(now, ts)))
            redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
            return wait
            """;

    // KEYS[1] in-flight set; ARGV: permit id, maximum, lease ms. Answers 1 (admitted) or 0.
    private static final String ENTER = """
            if redis.replicate_commands then redis.replicate_commands() end
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
            if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 1 end
            if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
            redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
            redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) + 1000)
            return 1
            """;

    private final RedisConnector redis;

    public TenantLimits(RedisConnector redis) {
        this.redis = redis;
    }

    public static String rateKey(String tenant) {
        return "metal:{tenant:" + tenant + "}:rate";
    }

    public static String inFlightKey(String tenant) {
        return "metal:{tenant:" + tenant + "}:inflight";
    }

    /** Takes a token from the tenant's bucket ({@code burst} tokens, refilled at {@code perSecond}): 0, or the seconds until one is there. */
    public double take(String tenant, double perSecond, int burst) {
        Long micros = redis.sync().eval(TAKE, ScriptOutputType.INTEGER, new byte[][] {b(rateKey(tenant))},
                b(Double.toString(perSecond)), b(Integer.toString(burst)));
        return micros == null ? 0 : micros / 1_000_000.0;
    }

    /**
     * Counts request {@code permit} of the tenant as in progress for at most {@code lease}, unless {@code max} are in
     * progress already: then nothing is counted and the answer is false. Entering twice with one id counts once.
     */
    public boolean enter(String tenant, String permit, int max, Duration lease) {
        Long r = redis.sync().eval(ENTER, ScriptOutputType.INTEGER, new byte[][] {b(inFlightKey(tenant))},
                b(permit), b(Integer.toString(max)), b(Long.toString(lease.toMillis())));
        return r != null && r == 1;
    }

    /** The request {@code permit} is no longer in progress. */
    public void leave(String tenant, String permit) {
        redis.sync().zrem(b(inFlightKey(tenant)), b(permit));
    }

    /** Requests of the tenant in progress now (expired leases included until the next {@link #enter}). */
    public long inProgress(String tenant) {
        return redis.sync().zcard(b(inFlightKey(tenant)));
    }

    private static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }
}
