package io.metalprompt.store;

import static io.metalprompt.store.TaskPrompts.versionSeqKey;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.List;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.metalprompt.events.EventCodec;

/**
 * The examples a task holds besides those it was registered with (issue 16): those added after its registration,
 * {@code metal:{task:<id>}:examples}, and its validation examples, {@code metal:{task:<id>}:validation} (kept out of
 * every prompt, used to score versions); both lists of {@link io.metalprompt.events.Example} JSON on the task's tag.
 * Adding examples allots the next prompt version's number ({@link TaskPrompts#versionSeqKey}) in the same script:
 * the version made from them. {@link TaskStore#delete} removes both lists with the task.
 */
public final class ExampleStore {

    private final RedisConnector redis;

    public ExampleStore(RedisConnector redis) {
        this.redis = redis;
    }

    private RedisClusterCommands<byte[], byte[]> sync() {
        return redis.sync();
    }

    private static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }

    public static String addedExamplesKey(String taskId) {
        return "metal:{task:" + taskId + "}:examples";
    }

    public static String validationKey(String taskId) {
        return "metal:{task:" + taskId + "}:validation";
    }

    // KEYS: added examples, version sequence, validation examples (lists; one hash tag). ARGV: registered examples,
    // most examples, how many of the rest are examples, then the examples' and the validation examples' JSON.
    // -1: too many examples in all, nothing written; else the new version's number (2, 3, ...).
    private static final String ADD_EXAMPLES = """
            local held = tonumber(ARGV[1]) + redis.call('LLEN', KEYS[1]) + redis.call('LLEN', KEYS[3])
            if held + #ARGV - 3 > tonumber(ARGV[2]) then return -1 end
            local n = tonumber(ARGV[3])
            for i = 4, 3 + n do redis.call('RPUSH', KEYS[1], ARGV[i]) end
            for i = 4 + n, #ARGV do redis.call('RPUSH', KEYS[3], ARGV[i]) end
            return redis.call('INCR', KEYS[2]) + 1""";

    /**
     * Appends examples and validation examples to the task and allots the next prompt version's number in one step
     * (the keys carry the task's hash tag), unless the task would then hold more than {@code maxExamples} (its
     * {@code registered} examples and every validation example included): then nothing is written and the answer is -1.
     */
    public int addExamples(String taskId, int registered, List<io.metalprompt.events.Example> examples,
                           List<io.metalprompt.events.Example> validation, int maxExamples) {
        byte[][] args = new byte[3 + examples.size() + validation.size()][];
        args[0] = b(Integer.toString(registered));
        args[1] = b(Integer.toString(maxExamples));
        args[2] = b(Integer.toString(examples.size()));
        int i = 3;
        for (io.metalprompt.events.Example e : examples) {
            args[i++] = EventCodec.encode(e);
        }
        for (io.metalprompt.events.Example e : validation) {
            args[i++] = EventCodec.encode(e);
        }
        Long version = sync().eval(ADD_EXAMPLES, ScriptOutputType.INTEGER,
                new byte[][] {b(addedExamplesKey(taskId)), b(versionSeqKey(taskId)), b(validationKey(taskId))}, args);
        return version == null ? -1 : version.intValue();
    }

    /** Keeps a task's validation examples given at registration (or held out of its examples). */
    public void saveValidation(String taskId, List<io.metalprompt.events.Example> validation) {
        if (!validation.isEmpty()) {
            sync().rpush(b(validationKey(taskId)), validation.stream().map(EventCodec::encode).toArray(byte[][]::new));
        }
    }

    /** The task's validation examples: kept out of every prompt, used to score versions. */
    public List<io.metalprompt.events.Example> validation(String taskId) {
        return examples(validationKey(taskId));
    }

    /** The examples added to the task after its registration, in order. */
    public List<io.metalprompt.events.Example> addedExampleList(String taskId) {
        return examples(addedExamplesKey(taskId));
    }

    private List<io.metalprompt.events.Example> examples(String key) {
        return sync().lrange(b(key), 0, -1).stream()
                .map(raw -> EventCodec.decode(raw, io.metalprompt.events.Example.class)).toList();
    }

    /** How many examples were added to the task after its registration. */
    public long addedExamples(String taskId) {
        return sync().llen(b(addedExamplesKey(taskId)));
    }
}
