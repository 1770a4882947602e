package dev.argos.spring;

import org.jspecify.annotations.Nullable;

/**
 * Names the client of a request: the key under which the starter's request filter records it
 * ({@code Argos.recordRequest(key)}) and checks the quarantine. Declare a bean of this type to
 * replace the built-in choice (the remote address, or a trusted header, see {@code
 * argos.web.client-key-header}); the same bean serves the servlet filter and the WebFlux filter.
 *
 * <p>Contract: called on the request thread for every request, so it must be quick and must not
 * block. It may return null (the request is then counted without a key and never refused). If it
 * throws, the request is keyed by its remote address; the exception never reaches the
 * application. Keys longer than 256 characters are counted and quarantined under their canonical
 * form, so a long key costs one hash, never memory.
 */
@FunctionalInterface
public interface ClientKeyResolver {
  /** The client key of {@code request}, or null for none. */
  @Nullable String resolve(Request request);

  /** What a resolver sees of a request, the same for servlet and WebFlux applications. */
  interface Request {
    /** The address of the peer of the connection (a proxy's, behind one); empty if unknown. */
    String remoteAddress();

    /** The first value of header {@code name} as received, or null if it is absent. */
    @Nullable String firstHeader(String name);

    /**
     * The last value of header {@code name} (the one the nearest proxy added when it appends a
     * header line), or null if it is absent.
     */
    @Nullable String lastHeader(String name);

    /** The request method, e.g. {@code GET}. */
    String method();

    /** The request path, without the query. */
    String path();
  }
}
