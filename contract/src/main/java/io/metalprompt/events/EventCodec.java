package io.metalprompt.events;

import java.io.IOException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.InjectableValues;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/** JSON for every event record: ISO-8601 instants, unknown fields ignored (forward compatible), bad input rejected with a reason. */
public final class EventCodec {

    /**
     * The value of an optional count a record does not carry (a field added after the record's schema version, read
     * through {@code @JacksonInject(value = ABSENT_COUNT, useInput = TRUE)}): 0.
     */
    public static final String ABSENT_COUNT = "metal.absent-count";
    /** The same for a second such field of one record (Jackson takes each id once per record): 0. */
    public static final String ABSENT_NUMBER = "metal.absent-number";

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .injectableValues(new InjectableValues.Std().addValue(ABSENT_COUNT, 0L).addValue(ABSENT_NUMBER, 0L))
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .build();

    private EventCodec() {
    }

    public static byte[] encode(Object event) {
        try {
            return MAPPER.writeValueAsBytes(event);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot encode " + event.getClass().getSimpleName(), e);
        }
    }

    public static String encodeToString(Object event) {
        return new String(encode(event), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Decodes {@code json} as {@code type}; throws {@link InvalidRecordException} with a readable reason. */
    public static <T> T decode(byte[] json, Class<T> type) {
        if (json == null) {
            throw new InvalidRecordException("empty record (null value) where a " + type.getSimpleName() + " was expected", null);
        }
        T value;
        try {
            value = MAPPER.readValue(json, type);
        } catch (ValueInstantiationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new InvalidRecordException("invalid " + type.getSimpleName() + ": " + cause.getMessage(), e);
        } catch (JsonProcessingException e) {
            throw new InvalidRecordException("not a valid " + type.getSimpleName() + " record: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new InvalidRecordException("unreadable " + type.getSimpleName() + " record: " + e.getMessage(), e);
        }
        if (value == null) {   // the JSON literal null (or nothing but white space) decodes to no object at all
            throw new InvalidRecordException("JSON null where a " + type.getSimpleName() + " was expected", null);
        }
        return value;
    }

    public static <T> T decode(String json, Class<T> type) {
        return decode(json == null ? null : json.getBytes(java.nio.charset.StandardCharsets.UTF_8), type);
    }
}
