package io.metalprompt.e2e.helm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/** The manifest check the chart tests rely on: it accepts what the API accepts and reports what it would reject. */
class KubernetesSchemaTest {

    private static final String DEPLOYMENT = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: demo
              labels: {app: demo}
            spec:
              replicas: 2
              selector:
                matchLabels: {app: demo}
              template:
                metadata:
                  labels: {app: demo}
                spec:
                  containers:
                    - name: demo
                      image: demo:1
                      ports: [{name: http, containerPort: 8080}]
                      env: [{name: DJL_OFFLINE, value: "true"}]
                      resources:
                        limits: {cpu: 1, memory: 1Gi, nvidia.com/gpu: 1}
                        requests: {cpu: 500m, memory: "1073741824"}
                      volumeMounts: [{name: models, mountPath: /models, readOnly: true}]
                  volumes:
                    - name: models
                      persistentVolumeClaim: {claimName: models, readOnly: true}
            """;

    private static final String SCALED_OBJECT = """
            apiVersion: keda.sh/v1alpha1
            kind: ScaledObject
            metadata:
              name: worker
            spec:
              scaleTargetRef: {name: worker}
              minReplicaCount: 1
              maxReplicaCount: 6
              triggers:
                - type: kafka
                  metadata: {bootstrapServers: "kafka:9092", consumerGroup: g, topic: t, lagThreshold: "50"}
            """;

    @Test
    void acceptsValidObjectsIncludingQuantitiesWrittenAsNumbers() {
        assertEquals(List.of(), problems(DEPLOYMENT));
        assertEquals(List.of(), problems(SCALED_OBJECT));
    }

    @Test
    void reportsAFieldTheApiDoesNotDefine() {
        assertReports("imagePullPolice", DEPLOYMENT.replace("image: demo:1", "image: demo:1\n          imagePullPolice: Always"));
        assertReports("replica", DEPLOYMENT.replace("replicas: 2", "replica: 2"));
    }

    @Test
    void reportsAMissingRequiredField() {
        assertReports("required field `name`", DEPLOYMENT.replaceFirst("- name: demo\n\\s+image: demo:1", "- image: demo:1"));
        assertReports("required field `selector`", DEPLOYMENT.replace("  selector:\n    matchLabels: {app: demo}\n", ""));
    }

    @Test
    void reportsValuesOfTheWrongType() {
        assertReports("/spec/replicas", DEPLOYMENT.replace("replicas: 2", "replicas: \"2\""));
        assertReports("readOnly", DEPLOYMENT.replace("mountPath: /models, readOnly: true", "mountPath: /models, readOnly: \"true\""));
        assertReports("env", DEPLOYMENT.replace("env: [{name: DJL_OFFLINE, value: \"true\"}]", "env: {DJL_OFFLINE: \"true\"}"));
    }

    @Test
    void reportsNamesTheApiServerRejects() {
        assertReports("metadata.name 'Demo_1'", DEPLOYMENT.replace("name: demo\n  labels", "name: Demo_1\n  labels"));
        assertReports("port name", DEPLOYMENT.replace("{name: http,", "{name: http-port-too-long-x,"));
        assertReports("label", DEPLOYMENT.replace("labels: {app: demo}\nspec:\n  replicas",
                "labels: {app: " + "x".repeat(64) + "}\nspec:\n  replicas"));
    }

    @Test
    void reportsUnknownKindsAndBrokenScaledObjects() {
        assertReports("not one this check knows", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n");
        assertReports("scaleTargetRef.name is required", SCALED_OBJECT.replace("scaleTargetRef: {name: worker}",
                "scaleTargetRef: {kind: Deployment}"));
        assertReports("must be a string", SCALED_OBJECT.replace("lagThreshold: \"50\"", "lagThreshold: 50"));
        assertReports("triggers needs at least one trigger", SCALED_OBJECT.replaceAll("(?s)  triggers:.*", "  triggers: []\n"));
        assertReports("maxReplicas is not a field", SCALED_OBJECT.replace("maxReplicaCount", "maxReplicas"));
        assertReports("consumerGroup is required", SCALED_OBJECT.replace("consumerGroup: g, ", ""));
    }

    private static List<String> problems(String yaml) {
        List<JsonNode> docs = Manifests.parse(yaml).all();
        assertEquals(1, docs.size());
        return KubernetesSchema.problems(docs.get(0));
    }

    private static void assertReports(String expected, String yaml) {
        List<String> problems = problems(yaml);
        assertTrue(problems.stream().anyMatch(p -> p.contains(expected)),
                () -> "expected a problem mentioning '" + expected + "', got " + problems);
    }
}
