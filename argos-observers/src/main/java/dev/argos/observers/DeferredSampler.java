package dev.argos.observers;

import java.util.Map;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A sampler built at its first tick, on the sampler thread: what it needs at construction (JMX
 * beans, files under /proc) is then paid by that thread, not by the application's thread that
 * calls {@code createArgos} and {@code start()}. Until then it has no figures; a close before the
 * first tick means it is never built.
 */
final class DeferredSampler implements Sampler {
  private final String name;
  private final Supplier<? extends Sampler> factory;
  private volatile @Nullable Sampler delegate;
  private volatile boolean closed;

  DeferredSampler(String name, Supplier<? extends Sampler> factory) {
    this.name = name;
    this.factory = factory;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void tick(long nowNanos) {
    Sampler s = delegate;
    if (s == null) {
      if (closed) {
        return;
      }
      s = factory.get();
      delegate = s;
      if (closed) { // closed while it was being built: release what it took
        s.close();
        return;
      }
    }
    s.tick(nowNanos);
  }

  @Override
  public void snapshot(Map<String, Object> into) {
    Sampler s = delegate;
    if (s != null) {
      s.snapshot(into);
    }
  }

  @Override
  public void close() {
    closed = true;
    Sampler s = delegate;
    if (s != null) {
      s.close();
    }
  }

  /** The sampler once built (tests). */
  @Nullable Sampler built() {
    return delegate;
  }
}
