package io.metalprompt.models;

/** A model store that cannot be read or written as asked, with a reason an operator can act on. */
public class ModelStoreException extends RuntimeException {

    public ModelStoreException(String message) {
        super(message);
    }

    public ModelStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
