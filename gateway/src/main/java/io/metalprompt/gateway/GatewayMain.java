package io.metalprompt.gateway;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * The gateway's entry point: Quarkus, with one system property set before its HTTP server exists.
 *
 * <p>{@code vertx.disableURIValidation}: Quarkus's first request handler answers a request target that
 * {@link java.net.URI} cannot parse (such as {@code /v1/tasks/%zz}) with a bare 400 before any route or filter sees
 * it, and reads this property once, when its recorder class loads. With it set, {@link RequestHeadCheck} makes the same
 * check and answers problem+json. Tests set it in the gateway's surefire configuration.
 */
@QuarkusMain
public final class GatewayMain {

    private GatewayMain() {
    }

    public static void main(String... args) {
        System.setProperty("vertx.disableURIValidation", "true");
        Quarkus.run(args);
    }
}
