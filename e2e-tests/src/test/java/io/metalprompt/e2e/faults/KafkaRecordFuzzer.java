package io.metalprompt.e2e.faults;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.metalprompt.events.Topics;

/**
 * Seeded random records for {@code metal.inference-requests}, as careless or hostile internal producers would write
 * them: well-formed requests (ready tasks, unknown tasks, another tenant's tasks, passed deadlines) beside broken ones
 * (schema versions, missing or mistyped fields, task ids that are key suffixes, empty, blank, too many and huge
 * inputs, truncated JSON, deep nesting, random and invalid UTF-8 bytes, tombstones), under random keys and headers
 * (reply topics that are missing, forbidden or not text, partitions out of range or of the wrong width, duplicated,
 * long or binary correlation ids, junk headers). Same seed, same records. Each {@link Case} says what the contract
 * promises for it: {@code routable} (its reply headers name a topic and partition the worker answers on, so it must
 * be answered or dead-lettered, never both silently dropped) and {@code wellFormed} (a valid schema-1 request, so a
 * routable one must be answered). Few of them need a forward pass (one in twenty: well-formed requests of ready tasks):
 * what is measured is what broken records cost other tenants, not how much more valid work the machine can take.
 */
public final class KafkaRecordFuzzer {

    /** One record and what it must get; {@code requestId} is unique to it (body and correlation header, when present). */
    public record Case(int index, String kind, ProducerRecord<byte[], byte[]> record, String requestId, boolean routable,
                       boolean wellFormed) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    static final int PARTITIONS = 6;

    private final Random random;
    private final String tenant;
    private final List<String> readyTasks;
    private final List<String> otherTenantsTasks;
    private int index;

    /** {@code readyTasks}: ready tasks of {@code tenant}; {@code otherTenantsTasks}: ready tasks of another tenant. */
    public KafkaRecordFuzzer(long seed, String tenant, List<String> readyTasks, List<String> otherTenantsTasks) {
        this.random = new Random(seed);
        this.tenant = tenant;
        this.readyTasks = readyTasks;
        this.otherTenantsTasks = otherTenantsTasks;
    }

    public Case next() {
        int i = index++;
        String requestId = UUID.randomUUID().toString();
        String taskId = pick(readyTasks);
        Body body = body(requestId, taskId);
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(Topics.INFERENCE_REQUESTS, key(taskId), body.bytes);
        headers(record.headers(), requestId);
        return new Case(i, body.kind, record, requestId, routable(record.headers()), body.wellFormed);
    }

    private record Body(String kind, byte[] bytes, boolean wellFormed) {
    }

    private ObjectNode valid(String requestId, String taskId, String tenantName, int inputs) {
        ObjectNode o = JSON.createObjectNode();
        o.put("schemaVersion", 1);
        o.put("requestId", requestId);
        o.put("taskId", taskId);
        o.put("tenant", tenantName);
        ArrayNode in = o.putArray("inputs");
        for (int i = 0; i < inputs; i++) {
            in.add(pick(List.of("a delight", "two hours I will not get back", "dog", "what a film", "meh")));
        }
        o.put("deadlineEpochMillis", 0);
        return o;
    }

    private Body body(String requestId, String taskId) {
        ObjectNode o = valid(requestId, taskId, tenant, 1 + random.nextInt(3));
        switch (random.nextInt(20)) {
            case 0:
                return json("valid, ready task", o, true);
            case 1, 2:
                o.put("taskId", UUID.randomUUID().toString());
                return json("valid, unknown task", o, true);
            case 3, 4:
                o.put("taskId", pick(otherTenantsTasks));
                return json("valid, another tenant's task", o, true);
            case 5, 6:
                o.put("deadlineEpochMillis", 1 + random.nextInt(1_000_000));
                return json("valid, deadline passed", o, true);
            case 7:
                o.put("taskId", pick(List.of(taskId + ":registration", taskId + ":prompts", taskId.toUpperCase(), "*",
                        "dev_000", " " + taskId, taskId + "\u0000", "x".repeat(10_000))));
                return json("task id of another format", o, true);
            case 8: {
                Object v = pick(List.of(0, 2, -1, Integer.MAX_VALUE, 1.5, "1", "one"));
                o.set("schemaVersion", JSON.valueToTree(v));
                return json("schemaVersion " + JSON.valueToTree(v), o, false);
            }
            case 9:
                o.remove(pick(List.of("schemaVersion", "requestId", "taskId", "tenant", "inputs", "deadlineEpochMillis")));
                return json("a field missing", o, false);
            case 10: {
                // not requestId: Jackson would read 12 as "12", and the case could no longer be told by its id
                String field = pick(List.of("inputs", "taskId", "deadlineEpochMillis", "tenant"));
                o.set(field, JSON.valueToTree(pick(List.<Object>of("dog", 12, List.of(1, 2), java.util.Map.of("a", 1),
                        true))));
                return json("mistyped " + field, o, false);
            }
            case 11: {
                ArrayNode in = o.putArray("inputs");
                int kind = random.nextInt(4);
                if (kind == 0) {
                    return json("no inputs", o, false);
                } else if (kind == 1) {
                    for (int k = 0; k < 65 + random.nextInt(200); k++) {
                        in.add("dog " + k);
                    }
                    return json("too many inputs", o, true);
                } else if (kind == 2) {
                    in.add(pick(List.of("\u00a0\u00a0", "\u200b", " \u2007 ", "\u3000")));
                    return json("blank input", o, false);
                } else {
                    in.add("dog ".repeat(1 + random.nextInt(20_000)));
                    return json("long input", o, true);
                }
            }
            case 12: {
                byte[] full = bytes(o.toString());
                return new Body("truncated JSON", java.util.Arrays.copyOf(full, random.nextInt(full.length)), false);
            }
            case 13: {
                byte[] b = new byte[random.nextInt(2000)];
                random.nextBytes(b);
                return new Body("random bytes", b, false);
            }
            case 14: {
                byte[] full = bytes(o.toString());
                full[random.nextInt(full.length)] = (byte) (0x80 + random.nextInt(0x40));   // a stray continuation byte
                return new Body("invalid UTF-8", full, false);
            }
            case 15:
                return new Body("tombstone (null value)", null, false);
            case 16: {
                int depth = 500 + random.nextInt(5000);
                return new Body("deep nesting", bytes("[".repeat(depth) + "]".repeat(depth)), false);
            }
            case 17: {
                o.put("taskId", UUID.randomUUID().toString());
                o.put("padding", "x".repeat(200_000 + random.nextInt(700_000)));
                return json("large record", o, true);
            }
            case 18:
                o.put("taskId", UUID.randomUUID().toString());
                o.put("unknownField", "ignored");
                o.putObject("nested").put("deep", 1);
                return json("valid, unknown fields", o, true);
            default:
                return new Body("JSON that is not an object", bytes(pick(List.of("[]", "null", "1", "\"x\"", "{}", ""))),
                        false);
        }
    }

    private Body json(String kind, ObjectNode o, boolean wellFormedIfValidValues) {
        return new Body(kind, bytes(o.toString()), wellFormedIfValidValues);
    }

    private byte[] key(String taskId) {
        switch (random.nextInt(8)) {
            case 0:
                return null;
            case 1: {
                byte[] b = new byte[random.nextInt(64)];
                random.nextBytes(b);
                return b;
            }
            case 2:
                return bytes(UUID.randomUUID().toString());
            default:
                return bytes(taskId);
        }
    }

    private void headers(Headers h, String requestId) {
        // correlation id: mostly the request id, sometimes missing, binary, empty or too long
        int c = random.nextInt(10);
        if (c < 7) {
            h.add("REPLY_CORRELATION_ID", bytes(requestId));
        } else if (c == 7) {
            h.add("REPLY_CORRELATION_ID", bytes(requestId + "x".repeat(1100)));
        } else if (c == 8) {
            h.add("REPLY_CORRELATION_ID", new byte[0]);
        }
        // reply topic: mostly the results topic, else missing, forbidden, not text; sometimes given twice
        int t = random.nextInt(10);
        if (t < 6) {
            h.add("REPLY_TOPIC", bytes(Topics.INFERENCE_RESULTS));
        } else if (t == 6) {
            h.add("REPLY_TOPIC", bytes(pick(List.of("metal.does-not-exist", Topics.TASK_REGISTRATIONS,
                    Topics.INFERENCE_REQUESTS, Topics.deadLetter(Topics.INFERENCE_REQUESTS), "", "x".repeat(300)))));
        } else if (t == 7) {
            h.add("REPLY_TOPIC", new byte[] {(byte) 0xc3, (byte) 0x28});
        } else if (t == 8) {
            h.add("REPLY_TOPIC", bytes("metal.does-not-exist"));
            h.add("REPLY_TOPIC", bytes(Topics.INFERENCE_RESULTS));   // the last one counts
        }
        // reply partition: mostly absent, else in range, out of range, negative, or not 4 bytes
        int p = random.nextInt(10);
        if (p == 6 || p == 7) {
            h.add("REPLY_PARTITION", ByteBuffer.allocate(4).putInt(random.nextInt(PARTITIONS)).array());
        } else if (p == 8) {
            h.add("REPLY_PARTITION", ByteBuffer.allocate(4).putInt(pick(List.of(PARTITIONS, 99, -1))).array());
        } else if (p == 9) {
            h.add("REPLY_PARTITION", new byte[pick(List.of(0, 1, 3, 8))]);
        }
        // junk: traceparent that is not one, headers of any name and size
        if (random.nextInt(4) == 0) {
            h.add("traceparent", bytes(pick(List.of("garbage", "00-zz-yy-01", ""))));
        }
        for (int k = random.nextInt(4) == 0 ? random.nextInt(20) : 0; k > 0; k--) {
            byte[] v = new byte[random.nextInt(1024)];
            random.nextBytes(v);
            h.add("junk-" + random.nextInt(1000), v);
        }
    }

    /** The contract's rules for the reply headers, written out independently of the worker's code. */
    static boolean routable(Headers h) {
        Header topic = h.lastHeader("REPLY_TOPIC");
        if (topic != null && !Topics.INFERENCE_RESULTS.equals(new String(topic.value(), StandardCharsets.UTF_8))) {
            return false;
        }
        Header partition = h.lastHeader("REPLY_PARTITION");
        if (partition != null) {
            if (partition.value() == null || partition.value().length != 4) {
                return false;
            }
            int p = ByteBuffer.wrap(partition.value()).getInt();
            if (p < 0 || p >= PARTITIONS) {
                return false;
            }
        }
        Header correlation = h.lastHeader("REPLY_CORRELATION_ID");
        return correlation == null || correlation.value().length <= 1024;
    }

    private <T> T pick(List<T> from) {
        return from.get(random.nextInt(from.size()));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Every header of {@code h}, for messages. */
    static List<String> names(Headers h) {
        List<String> out = new ArrayList<>();
        for (Iterator<Header> it = h.iterator(); it.hasNext(); ) {
            out.add(it.next().key());
        }
        return out;
    }
}
