package dev.digitlab.serve;

/** A request the server refuses with 400 and a JSON message; never a 5xx. */
public class BadRequest extends RuntimeException {
    public BadRequest(String message) {
        super(message);
    }
}
