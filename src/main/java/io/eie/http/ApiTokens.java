package io.eie.http;

import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * Who may call {@code /v1}: nobody needs a token while none is set; once any is, every
 * {@code /v1} request needs {@code Authorization: Bearer <token>}. The API token may do
 * everything, the read token only {@code GET} and {@code HEAD}, the write token everything else
 * (ingest, links). Tokens are compared in constant time, as digests of equal length, so that
 * neither a token's content nor its length leaks through timing.
 *
 * @param api   may read and write; {@code null} when not set
 * @param read  may read; {@code null} when not set
 * @param write may write; {@code null} when not set
 */
public record ApiTokens(String api, String read, String write) {

    public static final ApiTokens NONE = new ApiTokens(null, null, null);

    public boolean required() {
        return api != null || read != null || write != null;
    }

    /** A before-handler for {@code /v1/*}: passes, or throws the 401 or 403 to answer with. */
    void check(Context ctx) {
        if (!required()) {
            return;
        }
        String header = ctx.header("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7) || header.length() == 7) {
            throw unauthorized(ctx, "this endpoint needs an API token: send the header Authorization: Bearer <token>");
        }
        byte[] presented = digest(header.substring(7).trim());
        boolean reading = ctx.method() == HandlerType.GET || ctx.method() == HandlerType.HEAD;
        boolean mayRead = matches(presented, api) | matches(presented, read);
        boolean mayWrite = matches(presented, api) | matches(presented, write);
        if (reading ? mayRead : mayWrite) {
            return;
        }
        if (mayRead || mayWrite) {
            throw new ApiError(403, "forbidden", "this token may only " + (mayRead ? "read" : "write")
                    + "; " + ctx.method() + " " + ctx.path() + " needs a token that may " + (reading ? "read" : "write"));
        }
        throw unauthorized(ctx, "the API token is not valid");
    }

    private static ApiError unauthorized(Context ctx, String message) {
        ctx.header("WWW-Authenticate", "Bearer realm=\"eie\"");
        return new ApiError(401, "unauthorized", message);
    }

    private static boolean matches(byte[] presented, String token) {
        // Both sides are hashed whether or not the token is set, so the time taken tells nothing.
        boolean equal = MessageDigest.isEqual(presented, digest(token == null ? "" : token));
        return token != null && equal;
    }

    private static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** Which tokens are set, for the start-up log; never their values. */
    public String describe() {
        if (!required()) {
            return "open (no EIE_API_TOKEN)";
        }
        List<String> set = new ArrayList<>();
        if (api != null) {
            set.add("API");
        }
        if (read != null) {
            set.add("read");
        }
        if (write != null) {
            set.add("write");
        }
        return "bearer tokens: " + String.join(", ", set);
    }
}
