package io.metalprompt.store;

import java.time.Duration;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;

/**
 * One Lettuce client and one shared, thread-safe connection per service (Lettuce multiplexes commands
 * over it). Binary values (prompt artifacts) and string keys both travel as bytes.
 * Lettuce reconnects by itself after a Redis restart; commands time out instead of hanging.
 */
public final class RedisConnector implements AutoCloseable {

    private final RedisClient client;
    private volatile StatefulRedisConnection<byte[], byte[]> connection;

    public RedisConnector(String url, Duration commandTimeout) {
        RedisURI uri = RedisURI.create(url);
        uri.setTimeout(commandTimeout);
        this.client = RedisClient.create(uri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .socketOptions(SocketOptions.builder().connectTimeout(commandTimeout).build())
                .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
                .build());
    }

    /**
     * The shared connection, opened on first use so a service starts (and reports not-ready) while Redis
     * is still down. Throws Lettuce's {@code RedisConnectionException} while Redis cannot be reached.
     */
    public StatefulRedisConnection<byte[], byte[]> connection() {
        StatefulRedisConnection<byte[], byte[]> c = connection;
        if (c == null) {
            synchronized (this) {
                c = connection;
                if (c == null) {
                    c = client.connect(ByteArrayCodec.INSTANCE);
                    connection = c;
                }
            }
        }
        return c;
    }

    /** True when Redis answers PING; never throws (used by readiness checks). */
    public boolean ping() {
        try {
            return "PONG".equals(connection().sync().ping());
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() {
        if (connection != null) {
            connection.close();
        }
        client.shutdown();
    }
}
