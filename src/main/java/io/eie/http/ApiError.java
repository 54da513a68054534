package io.eie.http;

import io.eie.telemetry.Problem;
import java.util.List;

/**
 * An answer other than success, raised by a handler and written in the one error shape
 * {@code {"error", "message", "details"}} by {@link HttpApi}.
 */
final class ApiError extends RuntimeException {

    private final int status;
    private final String code;
    private final List<Problem> details;

    ApiError(int status, String code, String message, List<Problem> details) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.details = List.copyOf(details);
    }

    ApiError(int status, String code, String message) {
        this(status, code, message, List.of());
    }

    static ApiError badRequest(String field, String message) {
        return new ApiError(400, "invalid_request", message, List.of(new Problem(field, message)));
    }

    static ApiError notFound(String message) {
        return new ApiError(404, "not_found", message);
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }

    List<Problem> details() {
        return details;
    }

    ErrorBody body() {
        return new ErrorBody(code, getMessage(), details);
    }

    /** The one error shape of every endpoint. */
    record ErrorBody(String error, String message, List<Problem> details) {
    }
}
