package io.metalprompt.gateway;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.ext.Provider;
import jakarta.ws.rs.ext.ReaderInterceptor;
import jakarta.ws.rs.ext.ReaderInterceptorContext;

/**
 * {@code metal.gateway.max-body-size} for a body without a length (chunked): it is counted while it is read and
 * refused with 413 once it passes the limit. A body announced larger ({@code Content-Length}) never gets this far:
 * {@link RequestHeadCheck} refuses it before any other handler.
 */
@ApplicationScoped
public class BodyLimit {

    @Inject
    GatewayConfig config;

    long max() {
        return config.gateway().maxBodySize().asLongValue();
    }

    private static ApiException tooLarge(String size, long max) {
        return ApiException.tooLarge("the request body has " + size + " bytes; the limit is " + max
                + " bytes (metal.gateway.max-body-size)");
    }

    /** Counts the bytes of every body the API reads (providers are built before the configuration: ask the bean). */
    @Provider
    public static class Counting implements ReaderInterceptor {

        @Inject
        BodyLimit limit;

        @Override
        public Object aroundReadFrom(ReaderInterceptorContext context) throws IOException {
            context.setInputStream(new Bounded(context.getInputStream(), limit.max()));
            return context.proceed();
        }
    }

    /** Fails the read once more than {@code max} bytes came through. */
    private static final class Bounded extends FilterInputStream {
        private final long max;
        private long read;

        Bounded(InputStream in, long max) {
            super(in);
            this.max = max;
        }

        private int count(int n) {
            if (n > 0) {
                read += n;
                if (read > max) {
                    throw tooLarge("more than " + max, max);
                }
            }
            return n;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            return count(super.read(buffer, offset, length));
        }
    }
}
