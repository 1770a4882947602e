package dev.argos.core;

import java.util.concurrent.atomic.AtomicInteger;

/** An observer whose sink the test drives by hand. */
final class TestObserver implements Observer {
  private final String name;
  volatile SignalSink sink = SignalSink.discarding();
  final AtomicInteger starts = new AtomicInteger();
  final AtomicInteger closes = new AtomicInteger();

  TestObserver(String name) {
    this.name = name;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void start(SignalSink sink) {
    starts.incrementAndGet();
    this.sink = sink;
  }

  void emit(Signal s) {
    sink.emit(s);
  }

  @Override
  public void close() {
    closes.incrementAndGet();
  }
}
