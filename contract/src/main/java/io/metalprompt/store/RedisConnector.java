package io.metalprompt.store;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;

/**
 * One Lettuce client and one shared, thread-safe connection per service (Lettuce multiplexes commands over it), to
 * whichever Redis the URL names ({@link #parse}):
 * <ul>
 *   <li>a single server, {@code redis://host:port[/db]} (or {@code rediss://} for TLS);</li>
 *   <li>a Sentinel set, Lettuce's {@code redis-sentinel://[password@]host:port[,host:port...][/db]#masterName}: the
 *       client asks the Sentinels for the master and asks again after a failover;</li>
 *   <li>a Redis Cluster: several {@code redis://} seeds separated by commas, or one seed with {@code cluster} set
 *       ({@code metal.redis.cluster}); the client learns the slot map from the seeds, follows MOVED/ASK redirects and
 *       refreshes the map periodically and whenever a redirect or reconnect says it changed.</li>
 * </ul>
 * Every store talks to all three through {@link #sync()}, the {@link RedisClusterCommands} both Lettuce connections
 * provide. In a Cluster every command and script must touch keys of one slot only: the stores' keys of one task share
 * the hash tag {@code {task:<id>}}, those of one tenant {@code {tenant:<name>}} ({@code docs/architecture.md}).
 * Binary values (prompt artifacts) and string keys both travel as bytes. Lettuce reconnects by itself after a Redis
 * restart; commands time out instead of hanging. Pub/sub listeners get connections of their own ({@link #subscribe}).
 */
public final class RedisConnector implements AutoCloseable {

    /** What a URL names. */
    public enum Topology { STANDALONE, SENTINEL, CLUSTER }

    /** A parsed {@code metal.redis.url}: the topology and the URIs (one, or a Cluster's seeds). */
    public record Endpoint(Topology topology, List<RedisURI> uris) {
        public Endpoint {
            uris = List.copyOf(uris);
        }
    }

    private final Endpoint endpoint;
    private final RedisClient client;
    private final RedisClusterClient clusterClient;
    private volatile StatefulRedisConnection<byte[], byte[]> connection;
    private volatile StatefulRedisClusterConnection<byte[], byte[]> clusterConnection;

    /** A single server or a Sentinel set as the URL says, or a Cluster when it lists several seeds. */
    public RedisConnector(String url, Duration commandTimeout) {
        this(url, commandTimeout, false);
    }

    /**
     * As {@link #RedisConnector(String, Duration)}; with {@code cluster} a single {@code redis://} seed is taken as a
     * node of a Cluster. Throws {@link IllegalArgumentException} naming what is wrong when the URL does not parse.
     */
    public RedisConnector(String url, Duration commandTimeout, boolean cluster) {
        this.endpoint = parse(url, cluster);
        SocketOptions socket = SocketOptions.builder().connectTimeout(commandTimeout).build();
        TimeoutOptions timeouts = TimeoutOptions.enabled(commandTimeout);
        for (RedisURI uri : endpoint.uris()) {
            uri.setTimeout(commandTimeout);
        }
        if (endpoint.topology() == Topology.CLUSTER) {
            this.client = null;
            this.clusterClient = RedisClusterClient.create(endpoint.uris());
            clusterClient.setOptions(ClusterClientOptions.builder()
                    .autoReconnect(true)
                    .socketOptions(socket)
                    .timeoutOptions(timeouts)
                    .maxRedirects(5)
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                            .enablePeriodicRefresh(Duration.ofSeconds(10))
                            .enableAllAdaptiveRefreshTriggers()
                            .adaptiveRefreshTriggersTimeout(Duration.ofSeconds(1))
                            .build())
                    .build());
        } else {
            this.clusterClient = null;
            this.client = RedisClient.create(endpoint.uris().get(0));
            client.setOptions(ClientOptions.builder()
                    .autoReconnect(true)
                    .socketOptions(socket)
                    .timeoutOptions(timeouts)
                    .build());
        }
    }

    /**
     * Reads a Redis URL: {@code redis://}/{@code rediss://} (one server; with {@code cluster}, or several separated by
     * commas: the seeds of a Cluster) or {@code redis-sentinel://} (a Sentinel set, Lettuce's syntax). Throws
     * {@link IllegalArgumentException} with the reason and the accepted forms.
     */
    public static Endpoint parse(String url, boolean cluster) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("no Redis URL given; " + FORMS);
        }
        String trimmed = url.trim();
        String lower = trimmed.toLowerCase(Locale.ROOT);
        if (lower.startsWith("redis-sentinel://") || lower.startsWith("rediss-sentinel://")) {
            if (cluster) {
                throw new IllegalArgumentException("'" + redact(trimmed) + "' names a Sentinel set, which is not a Redis "
                        + "Cluster: leave the cluster setting off for Sentinel");
            }
            int hash = trimmed.indexOf('#');
            if (hash < 0 || hash == trimmed.length() - 1 || uri(trimmed).getSentinelMasterId() == null) {
                throw new IllegalArgumentException("'" + redact(trimmed) + "' names no master: add '#<master name>', e.g. "
                        + "redis-sentinel://127.0.0.1:26379,127.0.0.1:26380/0#mymaster");
            }
            return new Endpoint(Topology.SENTINEL, List.of(uri(trimmed)));
        }
        List<RedisURI> uris = new ArrayList<>();
        for (String part : trimmed.split(",")) {
            String seed = part.trim();
            if (seed.isEmpty()) {
                throw new IllegalArgumentException("'" + redact(trimmed) + "' has an empty entry between commas; " + FORMS);
            }
            String s = seed.toLowerCase(Locale.ROOT);
            if (!s.startsWith("redis://") && !s.startsWith("rediss://")) {
                throw new IllegalArgumentException("'" + redact(seed) + "' is not a Redis URL; " + FORMS);
            }
            uris.add(uri(seed));
        }
        return new Endpoint(cluster || uris.size() > 1 ? Topology.CLUSTER : Topology.STANDALONE, uris);
    }

    private static final String FORMS = "expected redis://host:port[/db] (rediss:// for TLS), "
            + "redis-sentinel://host:port[,host:port...][/db]#master, or several redis://host:port seeds separated by "
            + "commas for a Redis Cluster";

    private static RedisURI uri(String text) {
        RedisURI uri;
        try {
            uri = RedisURI.create(text);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("'" + redact(text) + "' is not a Redis URL (" + e.getMessage() + "); "
                    + FORMS);
        }
        boolean sentinel = !uri.getSentinels().isEmpty();
        if (!sentinel && (uri.getHost() == null || uri.getHost().isBlank() || uri.getPort() <= 0)) {
            throw new IllegalArgumentException("'" + redact(text) + "' names no host and port; " + FORMS);
        }
        return uri;
    }

    /** The URL without a password, for messages. */
    public static String redact(String url) {
        return url == null ? null : url.replaceAll("(://)[^@/,]*@", "$1***@");
    }

    /** What this connector talks to. */
    public Topology topology() {
        return endpoint.topology();
    }

    /**
     * The commands of the shared connection (single server, Sentinel's master, or the Cluster, routed by key), opened
     * on first use so a service starts (and reports not-ready) while Redis is still down. Throws Lettuce's
     * {@code RedisConnectionException} while Redis cannot be reached.
     */
    public RedisClusterCommands<byte[], byte[]> sync() {
        return clusterClient != null ? clusterConnection().sync() : connection().sync();
    }

    /**
     * The same shared connection's commands without waiting for each answer: commands issued one after another are
     * pipelined (written at once, answered in order), so a batch of them costs about one round trip. Wait for the
     * answers with {@link #await}. Keys of one slot still go to one node, in the order issued.
     */
    public RedisClusterAsyncCommands<byte[], byte[]> async() {
        return clusterClient != null ? clusterConnection().async() : connection().async();
    }

    /**
     * The answers of pipelined commands, in order, once all have come: a failure is thrown as the
     * {@link RedisException} it is (a command timeout among them: the connection's timeout applies), anything else
     * wrapped in one.
     */
    public static <T> List<T> await(List<? extends RedisFuture<T>> futures) {
        List<T> out = new ArrayList<>(futures.size());
        for (RedisFuture<T> f : futures) {
            try {
                out.add(f.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RedisException("interrupted while waiting for Redis", e);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                throw cause instanceof RedisException r ? r : new RedisException(cause);
            }
        }
        return out;
    }

    private StatefulRedisClusterConnection<byte[], byte[]> clusterConnection() {
        StatefulRedisClusterConnection<byte[], byte[]> c = clusterConnection;
        if (c == null) {
            synchronized (this) {
                c = clusterConnection;
                if (c == null) {
                    c = clusterClient.connect(ByteArrayCodec.INSTANCE);
                    clusterConnection = c;
                }
            }
        }
        return c;
    }

    private StatefulRedisConnection<byte[], byte[]> connection() {
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

    /**
     * The commands of each master (one for a single server or Sentinel's master; each master node of a Cluster, in
     * the order of their node ids), for what has to visit every node: {@code SCAN}ning an old keyspace
     * ({@link KeyMigration}). A node's id is the key of the map.
     */
    public java.util.SortedMap<String, RedisClusterCommands<byte[], byte[]>> masters() {
        java.util.SortedMap<String, RedisClusterCommands<byte[], byte[]>> nodes = new java.util.TreeMap<>();
        RedisClusterCommands<byte[], byte[]> commands = sync();
        if (clusterClient == null) {
            nodes.put("single", commands);
            return nodes;
        }
        clusterClient.refreshPartitions();
        for (RedisClusterNode node : clusterClient.getPartitions()) {
            if (node.is(RedisClusterNode.NodeFlag.UPSTREAM) && !node.getSlots().isEmpty()) {
                nodes.put(node.getNodeId(), clusterConnection.sync().getConnection(node.getNodeId()));
            }
        }
        return nodes;
    }

    /**
     * Listens to {@code channel} on a connection of its own (a subscribed connection takes no other command): to the
     * single server, Sentinel's master, or one node of a Cluster (a {@code PUBLISH} on any node of a Cluster reaches
     * the subscribers on every node). {@code messages} gets each message of the channel; {@code subscribed} runs each
     * time Redis confirms the subscription: first, and again whenever Lettuce has reconnected and subscribed again by
     * itself (with Sentinel to the new master after a failover, as {@code RedisFailoverTest} shows; in a Cluster this
     * is Lettuce's default pub/sub connection, whose moving off a failed node is not tested here). Messages published
     * while the connection was down are lost, and {@code subscribed} is how a listener learns that it may have missed
     * some. Both run on Lettuce's I/O thread and must not block. Connects in the background: completes with the
     * subscription to close, or fails (Redis unreachable, SUBSCRIBE refused) without trying again.
     */
    public CompletionStage<AutoCloseable> subscribe(String channel, Consumer<String> messages, Runnable subscribed) {
        CompletionStage<? extends StatefulRedisPubSubConnection<String, String>> connecting = clusterClient != null
                ? clusterClient.connectPubSubAsync(StringCodec.UTF8)
                : client.connectPubSubAsync(StringCodec.UTF8, endpoint.uris().get(0));
        return connecting.thenCompose(c -> {
            c.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String from, String message) {
                    if (channel.equals(from)) {
                        messages.accept(message);
                    }
                }

                @Override
                public void subscribed(String to, long count) {
                    if (channel.equals(to)) {
                        subscribed.run();
                    }
                }
            });
            return c.async().subscribe(channel).handle((done, failed) -> {
                if (failed != null) {
                    c.closeAsync();
                    throw failed instanceof CompletionException e ? e : new CompletionException(failed);
                }
                return (AutoCloseable) c::close;
            });
        });
    }

    /** True when Redis answers PING; never throws (used by readiness checks). */
    public boolean ping() {
        try {
            return "PONG".equals(sync().ping());
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() {
        if (connection != null) {
            connection.close();
        }
        if (clusterConnection != null) {
            clusterConnection.close();
        }
        if (client != null) {
            client.shutdown();
        }
        if (clusterClient != null) {
            clusterClient.shutdown();
        }
    }
}
