package io.metalprompt.e2e.helm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/** The documents of one {@code helm template} output, as JSON trees, with lookups the tests need. */
final class Manifests {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION));

    private final List<JsonNode> documents;

    private Manifests(List<JsonNode> documents) {
        this.documents = List.copyOf(documents);
    }

    /** Parses multi-document YAML; empty documents (a template that rendered nothing) are dropped. */
    static Manifests parse(String yaml) {
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            while (it.hasNext()) {
                JsonNode doc = it.next();
                if (doc != null && !doc.isNull() && !doc.isMissingNode() && !doc.isEmpty()) {
                    docs.add(doc);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("rendered YAML does not parse: " + e.getMessage(), e);
        }
        return new Manifests(docs);
    }

    List<JsonNode> all() {
        return documents;
    }

    List<JsonNode> ofKind(String kind) {
        return documents.stream().filter(d -> kind.equals(d.path("kind").asText())).toList();
    }

    Optional<JsonNode> find(String kind, String name) {
        return ofKind(kind).stream().filter(d -> name.equals(d.path("metadata").path("name").asText())).findFirst();
    }

    JsonNode get(String kind, String name) {
        return find(kind, name).orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in the rendered chart; "
                + "have: " + documents.stream().map(Manifests::id).toList()));
    }

    /** The pod template of a Deployment, Job or CronJob. */
    static JsonNode podTemplate(JsonNode workload) {
        return switch (workload.path("kind").asText()) {
            case "Deployment", "Job" -> workload.path("spec").path("template");
            case "CronJob" -> workload.path("spec").path("jobTemplate").path("spec").path("template");
            default -> throw new IllegalArgumentException("not a workload: " + id(workload));
        };
    }

    /** Every workload (Deployment, Job, CronJob) of the output. */
    List<JsonNode> workloads() {
        return documents.stream().filter(d -> List.of("Deployment", "Job", "CronJob").contains(d.path("kind").asText()))
                .toList();
    }

    /** Init containers and containers of a pod template. */
    static List<JsonNode> containers(JsonNode podTemplate) {
        JsonNode spec = podTemplate.path("spec");
        return Stream.concat(stream(spec.path("initContainers")), stream(spec.path("containers"))).toList();
    }

    static JsonNode container(JsonNode workload, String name) {
        return containers(podTemplate(workload)).stream().filter(c -> name.equals(c.path("name").asText())).findFirst()
                .orElseThrow(() -> new AssertionError("no container " + name + " in " + id(workload)));
    }

    /** The literal value of an env entry, or empty when absent or taken from a Secret/ConfigMap. */
    static Optional<String> env(JsonNode container, String name) {
        return stream(container.path("env")).filter(e -> name.equals(e.path("name").asText()))
                .filter(e -> e.has("value")).map(e -> e.path("value").asText()).findFirst();
    }

    static Optional<JsonNode> envEntry(JsonNode container, String name) {
        return stream(container.path("env")).filter(e -> name.equals(e.path("name").asText())).findFirst();
    }

    static Stream<JsonNode> stream(JsonNode array) {
        List<JsonNode> items = new ArrayList<>();
        array.forEach(items::add);
        return items.stream();
    }

    static String id(JsonNode doc) {
        return doc.path("kind").asText("?") + "/" + doc.path("metadata").path("name").asText("?");
    }
}
