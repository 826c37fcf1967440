package io.metalprompt.e2e.helm;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.gson.JsonElement;

import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1CronJob;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.openapi.models.V1PersistentVolumeClaim;
import io.kubernetes.client.openapi.models.V1PodDisruptionBudget;
import io.kubernetes.client.openapi.models.V1Secret;
import io.kubernetes.client.openapi.models.V1Service;

/**
 * Checks a rendered manifest against the Kubernetes API without a cluster, node or npm.
 *
 * <p>Built-in kinds go through the official Java client's models ({@code io.kubernetes:client-java-api}, generated
 * from the Kubernetes OpenAPI document): their validation rejects a field the API does not define and a missing
 * required field, at every level. The document is then read into the typed model and written back: a value of the
 * wrong JSON type (a string where the API wants a number or a boolean) comes back changed and is reported. Names,
 * labels, container, port and environment names are checked against the API server's rules, which the OpenAPI
 * document does not carry.
 *
 * <p>KEDA's {@code ScaledObject} is a custom resource; its fields the chart uses are checked explicitly.
 */
final class KubernetesSchema {

    /** Validates one document; returns the problems found, empty when it is valid. */
    interface Validator {
        void validate(JsonElement json) throws IOException;
    }

    private record Model(Validator validator, Class<?> type) {
    }

    private static final Map<String, Model> MODELS = Map.of(
            "v1/ConfigMap", new Model(V1ConfigMap::validateJsonElement, V1ConfigMap.class),
            "v1/Secret", new Model(V1Secret::validateJsonElement, V1Secret.class),
            "v1/Service", new Model(V1Service::validateJsonElement, V1Service.class),
            "v1/PersistentVolumeClaim", new Model(V1PersistentVolumeClaim::validateJsonElement, V1PersistentVolumeClaim.class),
            "apps/v1/Deployment", new Model(V1Deployment::validateJsonElement, V1Deployment.class),
            "batch/v1/Job", new Model(V1Job::validateJsonElement, V1Job.class),
            "batch/v1/CronJob", new Model(V1CronJob::validateJsonElement, V1CronJob.class),
            "policy/v1/PodDisruptionBudget", new Model(V1PodDisruptionBudget::validateJsonElement, V1PodDisruptionBudget.class));

    private static final ObjectMapper MAPPER = new ObjectMapper();

    // API server rules (k8s.io/apimachinery validation): RFC 1123 labels and subdomains, label values,
    // environment variable names, IANA service names for ports.
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern LABEL_VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");
    private static final Pattern LABEL_NAME = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
    private static final Pattern ENV_NAME = Pattern.compile("[-._a-zA-Z][-._a-zA-Z0-9]*");
    private static final Pattern PORT_NAME = Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?");

    private KubernetesSchema() {
    }

    static List<String> problems(JsonNode doc) {
        List<String> problems = new ArrayList<>();
        String apiVersion = doc.path("apiVersion").asText();
        String kind = doc.path("kind").asText();
        String where = Manifests.id(doc);
        if ("keda.sh/v1alpha1".equals(apiVersion) && "ScaledObject".equals(kind)) {
            scaledObject(doc, problems);
        } else {
            Model model = MODELS.get(apiVersion + "/" + kind);
            if (model == null) {
                return List.of(where + ": apiVersion/kind " + apiVersion + "/" + kind + " is not one this check knows "
                        + "(add its model to KubernetesSchema)");
            }
            JsonElement json = com.google.gson.JsonParser.parseString(doc.toString());
            try {
                model.validator().validate(json);
                Object typed = JSON.getGson().fromJson(json, model.type());
                JsonNode back = MAPPER.readTree(JSON.serialize(typed));
                sameValues(doc, back, "", problems);
            } catch (IOException | RuntimeException e) {
                problems.add(e.getMessage());
            }
        }
        names(doc, problems);
        return problems.stream().map(p -> where + ": " + p).toList();
    }

    /** The typed round trip must give back every value as it was (numbers may come back as quantity strings). */
    private static void sameValues(JsonNode original, JsonNode back, String path, List<String> problems) {
        if (original.isNull()) {
            return; // an explicit null is an absent field for the API
        }
        if (original.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = original.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                JsonNode other = back.path(field.getKey());
                if (other.isMissingNode() && !field.getValue().isNull()
                        && !(field.getValue().isContainerNode() && field.getValue().isEmpty())) {
                    problems.add(path + "/" + field.getKey() + " was dropped by the API model");
                } else if (!other.isMissingNode()) {
                    sameValues(field.getValue(), other, path + "/" + field.getKey(), problems);
                }
            }
        } else if (original.isArray()) {
            if (back.size() != original.size()) {
                problems.add(path + " has " + original.size() + " items, the API model kept " + back.size());
                return;
            }
            for (int i = 0; i < original.size(); i++) {
                sameValues(original.get(i), back.get(i), path + "/" + i, problems);
            }
        } else if (original.isNumber() && back.isTextual()) {
            // a quantity or int-or-string given as a number
            if (new BigDecimal(original.asText()).compareTo(new Quantity(back.asText()).getNumber()) != 0) {
                problems.add(path + " = " + original + " came back as " + back);
            }
        } else if (original.isTextual() && back.isTextual() && !original.asText().equals(back.asText())) {
            if (!sameQuantity(original.asText(), back.asText())) {
                problems.add(path + " = " + original + " came back as " + back);
            }
        } else if (original.getNodeType() != back.getNodeType()) {
            problems.add(path + " = " + original + " (" + original.getNodeType() + ") has the wrong type: the API "
                    + "wants " + back.getNodeType());
        } else if (!original.equals(back) && !(original.isNumber() && original.decimalValue().compareTo(back.decimalValue()) == 0)) {
            problems.add(path + " = " + original + " came back as " + back);
        }
    }

    private static boolean sameQuantity(String a, String b) {
        try {
            return new Quantity(a).getNumber().compareTo(new Quantity(b).getNumber()) == 0;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Name and label rules of the API server for the objects, their pod templates and containers. */
    private static void names(JsonNode doc, List<String> problems) {
        String kind = doc.path("kind").asText();
        String name = doc.path("metadata").path("name").asText();
        int max = switch (kind) {
            case "CronJob" -> 52; // the controller appends an 11-character suffix to name its Jobs
            case "Service" -> 63;
            default -> 253;
        };
        Pattern pattern = "Service".equals(kind) ? DNS_LABEL : DNS_SUBDOMAIN;
        if (name.isEmpty() || name.length() > max || !pattern.matcher(name).matches()) {
            problems.add("metadata.name '" + name + "' is not a valid " + kind + " name (" + pattern + ", at most " + max + ")");
        }
        labels(doc.path("metadata").path("labels"), "metadata.labels", problems);
        if (Set.of("Deployment", "Job", "CronJob").contains(kind)) {
            JsonNode template = Manifests.podTemplate(doc);
            labels(template.path("metadata").path("labels"), "pod labels", problems);
            for (JsonNode c : Manifests.containers(template)) {
                String cname = c.path("name").asText();
                if (cname.length() > 63 || !DNS_LABEL.matcher(cname).matches()) {
                    problems.add("container name '" + cname + "' is not an RFC 1123 label");
                }
                for (JsonNode e : c.path("env")) {
                    if (!ENV_NAME.matcher(e.path("name").asText()).matches()) {
                        problems.add("container " + cname + ": env name '" + e.path("name").asText() + "' is invalid");
                    }
                }
                for (JsonNode p : c.path("ports")) {
                    String pname = p.path("name").asText();
                    if (p.has("name") && (pname.length() > 15 || !PORT_NAME.matcher(pname).matches())) {
                        problems.add("container " + cname + ": port name '" + pname + "' is not an IANA service name");
                    }
                }
            }
        }
    }

    private static void labels(JsonNode labels, String where, List<String> problems) {
        labels.fields().forEachRemaining(l -> {
            String key = l.getKey();
            String keyName = key.contains("/") ? key.substring(key.indexOf('/') + 1) : key;
            String prefix = key.contains("/") ? key.substring(0, key.indexOf('/')) : "";
            if (keyName.length() > 63 || !LABEL_NAME.matcher(keyName).matches()
                    || (!prefix.isEmpty() && !DNS_SUBDOMAIN.matcher(prefix).matches())) {
                problems.add(where + ": label key '" + key + "' is invalid");
            }
            if (!l.getValue().isTextual() || l.getValue().asText().length() > 63
                    || !LABEL_VALUE.matcher(l.getValue().asText()).matches()) {
                problems.add(where + ": label " + key + "=" + l.getValue() + " has an invalid value");
            }
        });
    }

    // --- KEDA ScaledObject (keda.sh/v1alpha1): the fields of its CRD the chart may write ---------------------------

    private static final Set<String> SCALED_OBJECT_SPEC = Set.of("scaleTargetRef", "pollingInterval", "cooldownPeriod",
            "initialCooldownPeriod", "idleReplicaCount", "minReplicaCount", "maxReplicaCount", "advanced", "triggers",
            "fallback");
    private static final Set<String> SCALE_TARGET_REF = Set.of("apiVersion", "kind", "name", "envSourceContainerName");
    private static final Set<String> TRIGGER = Set.of("type", "name", "metadata", "authenticationRef", "metricType",
            "useCachedMetrics");
    private static final Set<String> KAFKA_METADATA = Set.of("bootstrapServers", "consumerGroup", "topic",
            "lagThreshold", "activationLagThreshold", "offsetResetPolicy", "allowIdleConsumers",
            "excludePersistentLag", "scaleToZeroOnInvalidOffset", "limitToPartitionsWithLag", "partitionLimitation",
            "sasl", "tls", "version");

    private static void scaledObject(JsonNode doc, List<String> problems) {
        onlyFields(doc, Set.of("apiVersion", "kind", "metadata", "spec"), "", problems);
        JsonNode spec = doc.path("spec");
        if (!spec.isObject()) {
            problems.add("spec is required");
            return;
        }
        onlyFields(spec, SCALED_OBJECT_SPEC, "spec", problems);
        JsonNode ref = spec.path("scaleTargetRef");
        if (!ref.isObject()) {
            problems.add("spec.scaleTargetRef is required");
        } else {
            onlyFields(ref, SCALE_TARGET_REF, "spec.scaleTargetRef", problems);
            if (!ref.path("name").isTextual() || ref.path("name").asText().isEmpty()) {
                problems.add("spec.scaleTargetRef.name is required");
            }
        }
        for (String field : List.of("pollingInterval", "cooldownPeriod", "minReplicaCount", "maxReplicaCount")) {
            if (spec.has(field) && !(spec.get(field).isIntegralNumber() && spec.get(field).asInt() >= 0)) {
                problems.add("spec." + field + " must be a non-negative integer, got " + spec.get(field));
            }
        }
        if (spec.has("minReplicaCount") && spec.has("maxReplicaCount")
                && spec.get("minReplicaCount").asInt() > spec.get("maxReplicaCount").asInt()) {
            problems.add("spec.minReplicaCount exceeds spec.maxReplicaCount");
        }
        JsonNode triggers = spec.path("triggers");
        if (!triggers.isArray() || triggers.isEmpty()) {
            problems.add("spec.triggers needs at least one trigger");
            return;
        }
        for (int i = 0; i < triggers.size(); i++) {
            JsonNode t = triggers.get(i);
            String where = "spec.triggers[" + i + "]";
            onlyFields(t, TRIGGER, where, problems);
            if (!t.path("type").isTextual() || t.path("type").asText().isEmpty()) {
                problems.add(where + ".type is required");
            }
            JsonNode metadata = t.path("metadata");
            if (!metadata.isObject()) {
                problems.add(where + ".metadata is required");
                continue;
            }
            metadata.fields().forEachRemaining(m -> {
                if (!m.getValue().isTextual()) {
                    problems.add(where + ".metadata." + m.getKey() + " must be a string (map[string]string), got " + m.getValue());
                }
            });
            if ("kafka".equals(t.path("type").asText())) {
                onlyFields(metadata, KAFKA_METADATA, where + ".metadata", problems);
                for (String required : List.of("bootstrapServers", "consumerGroup")) {
                    if (metadata.path(required).asText().isEmpty()) {
                        problems.add(where + ".metadata." + required + " is required by the kafka scaler");
                    }
                }
            }
            if (t.has("authenticationRef") && t.path("authenticationRef").path("name").asText().isEmpty()) {
                problems.add(where + ".authenticationRef.name is required");
            }
        }
    }

    private static void onlyFields(JsonNode node, Set<String> allowed, String where, List<String> problems) {
        node.fieldNames().forEachRemaining(f -> {
            if (!allowed.contains(f)) {
                problems.add((where.isEmpty() ? "" : where + ".") + f + " is not a field of ScaledObject");
            }
        });
    }
}
