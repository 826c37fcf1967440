package io.metalprompt.worker;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.jboss.logging.Logger;

/**
 * {@link ReplyTopics.Describer} over a Kafka admin client with the service's own connection settings (bootstrap,
 * security): describes a topic with the operations this principal is authorised for, and reads its
 * {@code max.message.bytes} when allowed to. Every call waits at most {@code timeout}.
 */
public final class KafkaTopicDescriber implements ReplyTopics.Describer, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(KafkaTopicDescriber.class);

    private final Admin admin;
    private final Duration timeout;

    public KafkaTopicDescriber(Map<String, Object> kafkaConfig, Duration timeout) {
        Map<String, Object> config = new java.util.HashMap<>(kafkaConfig);
        int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, millis);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, millis);
        config.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "metal-inference-worker-reply-topics");
        // the admin client takes its own settings only: drop what belongs to producers, consumers or the connector
        config.keySet().retainAll(AdminClientConfig.configNames());
        this.admin = Admin.create(config);
        this.timeout = timeout;
    }

    @Override
    public ReplyTopics.Info describe(String topic) {
        TopicDescription description;
        try {
            description = admin.describeTopics(List.of(topic), new DescribeTopicsOptions().includeAuthorizedOperations(true))
                    .allTopicNames().get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(topic);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return ReplyTopics.Info.missing();
            }
            if (e.getCause() instanceof AuthorizationException) {
                // not even DESCRIBE: the broker will not say whether it exists, and refuses writes to it
                return new ReplyTopics.Info(true, 0, false, OptionalInt.empty());
            }
            throw new ReplyTopics.Unavailable("could not describe topic " + topic + ": " + e.getCause().getMessage(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new ReplyTopics.Unavailable("the broker did not describe topic " + topic + " within " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ReplyTopics.Unavailable("interrupted while describing topic " + topic, e);
        }
        var operations = description.authorizedOperations();
        boolean writable = operations == null || operations.contains(AclOperation.WRITE)
                || operations.contains(AclOperation.ALL);
        return new ReplyTopics.Info(true, description.partitions().size(), writable, maxMessageBytes(topic));
    }

    private OptionalInt maxMessageBytes(String topic) {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try {
            Config config = admin.describeConfigs(List.of(resource)).all()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(resource);
            ConfigEntry entry = config == null ? null : config.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
            return entry == null || entry.value() == null ? OptionalInt.empty()
                    : OptionalInt.of(Integer.parseInt(entry.value()));
        } catch (ExecutionException | TimeoutException | NumberFormatException e) {
            // e.g. no DESCRIBE_CONFIGS right: metal.replies.max-bytes alone bounds the replies
            LOG.debugf("max.message.bytes of %s not readable: %s", topic, e.getMessage());
            return OptionalInt.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalInt.empty();
        }
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
    }
}
