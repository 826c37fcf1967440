package io.metalprompt.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.metalprompt.client.Example;
import io.metalprompt.client.ExamplesRequest;
import io.metalprompt.client.MetalApiException;
import io.metalprompt.client.MetalClient;
import io.metalprompt.client.PredictionResponse;
import io.metalprompt.client.Refinement;
import io.metalprompt.client.TaskRequest;
import io.metalprompt.client.TaskUsage;
import io.metalprompt.client.TaskView;
import io.metalprompt.client.Usage;
import io.metalprompt.client.Version;
import io.metalprompt.client.VersionAccepted;
import io.metalprompt.store.ApiKeys;
import io.metalprompt.store.RedisConnector;
import io.metalprompt.testing.TestInfrastructure;

/**
 * A tenant's task life through the packaged services (issue 16), called through the Java client: listing its tasks,
 * idempotent calls, usage counted once per answer, more examples and background refinement becoming the next served
 * prompt version while the served one keeps answering.
 */
class TenantLifeIT {

    private static final List<ServiceProcess> services = new ArrayList<>();
    private static RedisConnector redis;
    private static ApiKeys keys;

    private static final TaskRequest SENTIMENT = TaskRequest.of(List.of(Example.of("a happy dog", "good"),
            Example.of("a sad cat", "bad"), Example.of("a nice day", "good"), Example.of("an awful day", "bad")));

    @BeforeAll
    static void start() throws Exception {
        TestInfrastructure infra = TestInfrastructure.get();
        services.addAll(ServiceProcess.startTinySystem(Map.of(), Map.of()));
        redis = new RedisConnector(infra.redisUrl(), Duration.ofSeconds(5));
        keys = new ApiKeys(redis);
    }

    @AfterAll
    static void stop() throws Exception {
        for (ServiceProcess service : services) {
            service.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    /** A client of a new tenant of its own. */
    private static MetalClient newTenant() {
        return Clients.of(services.get(0).baseUrl(), keys.create("life-" + UUID.randomUUID()).key());
    }

    @Test
    void aTenantPagesThroughItsOwnTasksNewestFirst() throws Exception {
        MetalClient tenant = newTenant();
        MetalClient other = newTenant();
        List<String> registered = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            registered.add(0, tenant.register(SENTIMENT).id());
            Thread.sleep(2);
        }
        other.register(SENTIMENT);
        assertEquals(registered, tenant.tasks(2).map(TaskView::id).toList());
        assertEquals(1, other.tasks().count());
        tenant.delete(registered.get(0));
        assertEquals(registered.subList(1, 5), tenant.tasks(3).map(TaskView::id).toList());
    }

    @Test
    void aRegistrationSentTwiceWithOneKeyMakesOneTaskAndAnotherBodyIsRefused() {
        MetalClient tenant = newTenant();
        String key = UUID.randomUUID().toString();
        String first = tenant.register(SENTIMENT, key).id();
        assertEquals(first, tenant.register(SENTIMENT, key).id());
        assertEquals(List.of(first), tenant.tasks().map(TaskView::id).toList());
        MetalApiException refused = assertThrows(MetalApiException.class,
                () -> tenant.register(TaskRequest.of(List.of(Example.of("a dog", "good"), Example.of("a cat", "bad"))), key));
        assertEquals(422, refused.status());
    }

    @Test
    void eachAnsweredPredictionIsCountedOnceAndARetryWithItsKeyIsNot() {
        MetalClient tenant = newTenant();
        String id = Clients.registerReady(tenant, SENTIMENT);
        String key = UUID.randomUUID().toString();
        PredictionResponse first = tenant.predict(id, List.of("a happy cat", "a sad dog"), key);
        PredictionResponse again = tenant.predict(id, List.of("a happy cat", "a sad dog"), key);
        assertEquals(first.choices(), again.choices());
        tenant.predict(id, List.of("a nice cat"));

        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        Usage usage = tenant.usage(today, today);
        assertEquals(1, usage.tasks().size());
        TaskUsage task = usage.tasks().get(0);
        assertEquals(id, task.taskId());
        assertEquals(3, task.inputsAnswered(), "two calls answered: 2 + 1 inputs; the replay is not an answer");
        assertTrue(task.tokensRead() > 3 * 2, "at least the prompt, input and option positions: " + task.tokensRead());
        assertEquals(1, task.promptGenerations());
        assertTrue(task.bytesStored() > 0, "its examples and prompt are stored");
        assertEquals(task.counts(), usage.totals());
    }

    @Test
    void moreExamplesBecomeTheNextVersionWhileTheServedOneKeepsAnswering() throws Exception {
        MetalClient tenant = newTenant();
        String id = Clients.registerReady(tenant, SENTIMENT);
        assertEquals(1, tenant.predict(id, List.of("a happy cat")).version());
        VersionAccepted accepted = tenant.addExamples(id, ExamplesRequest.of(List.of(
                Example.of("a nice cat", "good"), Example.of("an awful dog", "bad"))));
        assertEquals(2, accepted.version());

        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        int answeredBy = 1;
        while (answeredBy < 2 && System.nanoTime() < deadline) {
            answeredBy = tenant.predict(id, List.of("a happy cat")).version();   // never fails during the swap
        }
        assertEquals(2, answeredBy, "version 2 is served once stored");
        TaskView view = tenant.task(id);
        assertEquals(2, view.version());
        assertEquals(6, view.examples());
        assertEquals(List.of(1, 2), view.versions().stream().map(Version::number).toList());
        assertEquals(2, view.servedVersion().orElseThrow().number());
        assertEquals("examples", view.versions().get(1).source());

        MetalApiException outside = assertThrows(MetalApiException.class, () -> tenant.addExamples(id,
                ExamplesRequest.of(List.of(Example.of("a cat", "neutral")))));
        assertEquals(422, outside.status());
    }

    @Test
    void aRefinementAskedForAtRegistrationIsServedAsTheNextVersionWithoutAFailedRequest() {
        MetalClient tenant = newTenant();
        String id = Clients.registerReady(tenant, SENTIMENT.withRefine(Refinement.steps(5)));
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        TaskView view = tenant.task(id);
        int answers = 0;
        while (!List.of("done", "rejected").contains(view.refine().status()) && System.nanoTime() < deadline) {
            tenant.predict(id, List.of("a happy cat"));   // answered by whichever version is served; never fails
            answers++;
            view = tenant.task(id);
        }
        assertEquals("done", view.refine().status(), "refined within 2 minutes (" + answers + " answers meanwhile)");
        assertEquals(5, view.refine().steps());
        assertEquals(2, view.version());
        assertEquals("refined", view.versions().get(1).source());
        assertEquals(2, tenant.predict(id, List.of("a sad dog")).version());
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        assertEquals(5, tenant.usage(today, today).tasks().get(0).refinementSteps());
    }
}
