package io.metalprompt.e2e.faults;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import io.metalprompt.events.EventCodec;
import io.metalprompt.events.Events;
import io.metalprompt.events.InferenceRequest;
import io.metalprompt.events.InferenceResult;
import io.metalprompt.events.InvalidRecordException;
import io.metalprompt.events.Topics;

/**
 * An internal client of the inference topics (docs/architecture.md, "Using the topics without the gateway"): writes
 * {@code InferenceRequest}s with the request-reply headers and reads {@code metal.inference-results} with
 * {@code isolation.level=read_committed}, keeping every result that carries one of its request ids. Nothing is
 * de-duplicated: a request answered twice is counted twice.
 */
public final class LoadClient implements AutoCloseable {

    /** The request-reply headers of docs/architecture.md. */
    static final String CORRELATION_ID = "REPLY_CORRELATION_ID";
    static final String REPLY_TOPIC = "REPLY_TOPIC";

    /** Something done to the system while the load runs. */
    public interface Fault {
        void inject() throws Exception;
    }

    private final KafkaProducer<String, String> producer;
    private final KafkaConsumer<String, String> consumer;
    private final Map<String, List<InferenceResult>> results = new ConcurrentHashMap<>();
    /** The request ids this client sent: results of other producers' requests on the topic are not counted. */
    private final java.util.Set<String> sent = ConcurrentHashMap.newKeySet();
    private final Map<String, Long> firstArrival = new ConcurrentHashMap<>();
    private final List<String> undecodable = new CopyOnWriteArrayList<>();
    private final Thread poller;
    private volatile boolean running = true;
    private volatile Map<String, String> lastChoices = Map.of();
    private volatile List<Long> lastLatencies = List.of();

    public LoadClient(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
        producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());

        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumer = new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (PartitionInfo info : consumer.partitionsFor(Topics.INFERENCE_RESULTS, Duration.ofSeconds(30))) {
            partitions.add(new TopicPartition(info.topic(), info.partition()));
        }
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);   // resolve the end offsets now, before any request is sent
        poller = new Thread(this::poll, "load-client-results");
        poller.setDaemon(true);
        poller.start();
    }

    private void poll() {
        while (running) {
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                try {
                    InferenceResult result = EventCodec.decode(r.value(), InferenceResult.class);
                    if (!sent.contains(result.requestId())) {
                        continue;   // another producer's request (a test's poison, a fuzzer's record)
                    }
                    Header correlation = r.headers().lastHeader(CORRELATION_ID);
                    if (correlation == null || !result.requestId()
                            .equals(new String(correlation.value(), StandardCharsets.UTF_8))) {
                        undecodable.add("result " + result.requestId() + " without its correlation header");
                        continue;
                    }
                    results.computeIfAbsent(result.requestId(), k -> new CopyOnWriteArrayList<>()).add(result);
                    firstArrival.putIfAbsent(result.requestId(), System.nanoTime());
                } catch (InvalidRecordException e) {
                    undecodable.add(r.value());
                }
            }
        }
        consumer.close();
    }

    /** The key under which {@code expected} and {@link #lastChoices()} keep a prediction. */
    public static String key(String taskId, String input) {
        return taskId + " | " + input;
    }

    /**
     * Sends {@code requests} requests of one input each, one every {@code interval}: request {@code i} goes to task
     * {@code i % tasks} with input {@code (i / tasks) % inputs}, so a run with the same arguments sends the same
     * requests. Starts {@code fault} in its own thread just before request {@code faultAt}, waits for the fault to
     * finish and then up to {@code wait} for every answer, and counts. {@code expected} maps
     * {@link #key(String, String)} to the unfaulted prediction (empty: nothing is compared).
     */
    public Tally run(String fault, String detail, List<String> taskIds, String tenant, List<String> inputs, int requests,
                     Duration interval, int faultAt, Fault action, Duration wait, Map<String, String> expected,
                     Map<String, String> settings) throws Exception {
        String prefix = UUID.randomUUID() + "-";
        Map<String, String> inputOf = new ConcurrentHashMap<>();
        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        List<Future<RecordMetadata>> sends = new ArrayList<>();
        Thread faultThread = null;
        Exception[] faultError = new Exception[1];
        long t0 = System.nanoTime();
        for (int i = 0; i < requests; i++) {
            if (i == faultAt && action != null) {
                faultThread = new Thread(() -> {
                    try {
                        action.inject();
                    } catch (Exception e) {
                        faultError[0] = e;
                    }
                }, "fault");
                faultThread.start();
            }
            String requestId = prefix + i;
            String taskId = taskIds.get(i % taskIds.size());
            String input = inputs.get((i / taskIds.size()) % inputs.size());
            inputOf.put(requestId, key(taskId, input));
            this.sent.add(requestId);
            sentAt.put(requestId, System.nanoTime());
            InferenceRequest req = new InferenceRequest(Events.SCHEMA_VERSION, requestId, taskId, tenant, List.of(input),
                    0);
            ProducerRecord<String, String> record = new ProducerRecord<>(Topics.INFERENCE_REQUESTS, taskId,
                    EventCodec.encodeToString(req));
            record.headers().add(new RecordHeader(CORRELATION_ID,
                    requestId.getBytes(StandardCharsets.UTF_8)));
            record.headers().add(new RecordHeader(REPLY_TOPIC,
                    Topics.INFERENCE_RESULTS.getBytes(StandardCharsets.UTF_8)));
            sends.add(producer.send(record));
            Thread.sleep(interval.toMillis());
        }
        if (faultThread != null) {
            faultThread.join();
            if (faultError[0] != null) {
                throw new IllegalStateException("injecting the fault failed: " + faultError[0].getMessage(), faultError[0]);
            }
        }
        Map<String, Integer> errors = new TreeMap<>();
        int sendFailures = 0;
        for (Future<RecordMetadata> send : sends) {
            try {
                send.get(150, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                sendFailures++;
            }
        }
        if (sendFailures > 0) {
            errors.put("send failed", sendFailures);
        }
        long deadline = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() < deadline && answeredOrFailed(inputOf.keySet()) < requests - sendFailures) {
            Thread.sleep(200);
        }
        Thread.sleep(1000);   // a late duplicate still counts
        long millis = (System.nanoTime() - t0) / 1_000_000;

        Map<String, String> choices = new ConcurrentHashMap<>();
        int answered = 0;
        int clearErrors = sendFailures;
        int duplicated = 0;
        int wrong = 0;
        long slowest = 0;
        List<Long> latencies = new ArrayList<>();
        for (Map.Entry<String, String> e : inputOf.entrySet()) {
            Long arrived = firstArrival.get(e.getKey());
            if (arrived != null) {
                long latency = (arrived - sentAt.get(e.getKey())) / 1_000_000;
                latencies.add(latency);
                slowest = Math.max(slowest, latency);
            }
            List<InferenceResult> got = results.getOrDefault(e.getKey(), List.of());
            if (got.size() > 1) {
                duplicated++;
            }
            if (got.isEmpty()) {
                continue;
            }
            InferenceResult first = got.get(0);
            if (first.status() == InferenceResult.Status.OK) {
                answered++;
                choices.put(e.getValue(), first.predictions().get(0).choice());
                String want = expected.get(e.getValue());
                if (want != null && !want.equals(first.predictions().get(0).choice())) {
                    wrong++;
                }
            } else {
                clearErrors++;
                errors.merge(first.status().name(), 1, Integer::sum);
            }
        }
        lastChoices = Map.copyOf(choices);
        latencies.sort(null);
        lastLatencies = List.copyOf(latencies);
        if (!undecodable.isEmpty()) {
            throw new IllegalStateException("results the contract does not allow: " + undecodable);
        }
        return new Tally(fault, detail, requests, answered, clearErrors, requests - answered - clearErrors, duplicated,
                wrong, errors, slowest, millis, settings);
    }

    /** {@link #key(String, String)} to predicted choice, from the OK answers of the last run (an unfaulted run gives the expected ones). */
    public Map<String, String> lastChoices() {
        return lastChoices;
    }

    /** Milliseconds from sending to the first result of every answered request of the last run, ascending. */
    public List<Long> lastLatencies() {
        return lastLatencies;
    }

    /** The {@code q}-quantile (0..1) of the last run's latencies in milliseconds (nearest rank). */
    public long lastQuantile(double q) {
        List<Long> l = lastLatencies;
        if (l.isEmpty()) {
            throw new IllegalStateException("no request of the last run was answered");
        }
        return l.get(Math.min(l.size() - 1, (int) Math.ceil(q * l.size()) - 1));
    }

    /** Every result seen so far, by request id. */
    public Map<String, List<InferenceResult>> results() {
        return results;
    }

    private int answeredOrFailed(java.util.Set<String> ids) {
        int n = 0;
        for (String id : ids) {
            if (results.containsKey(id)) {
                n++;
            }
        }
        return n;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        poller.join(5000);
        producer.close(Duration.ofSeconds(5));
    }
}
