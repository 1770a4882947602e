package dev.argos.live;

import dev.argos.core.DataKeys;
import dev.argos.core.Quarantine;
import dev.argos.core.Signal;
import dev.argos.observers.ArgosSnapshot;
import dev.argos.signals.InMemoryQuarantine;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;

/*
 * Design notes.
 *
 * One lock (this object's monitor) guards everything the page shows: the recent signals and
 * incidents, the open episodes, the quarantined keys seen, the sparkline ring, and the
 * sequence number. Each change takes the lock, updates the state, serialises the event once
 * and offers the same bytes to every client's bounded queue (SseClient.offer never blocks), so
 * every client sees events in one order. A new client is registered and handed a snapshot
 * frame under the same lock: the snapshot covers exactly the events before it and the queue
 * exactly those after it, so the page needs no second request and misses nothing.
 *
 * Everything is bounded: RECENT signals, INCIDENTS incidents, EPISODES open episodes,
 * QUARANTINE_SHOWN keys (evicting the oldest and counting), the ring's capacity, each value
 * trimmed by Json.trim.
 *
 * The quarantine has no way to list its keys, so the page follows argos:quarantine changes
 * from its start and, when showing them, keeps only the keys the quarantine still holds.
 */

/** What the page shows, and the event stream's fan-out. See the design notes. */
final class LiveState {
  static final int RECENT = 100;
  static final int INCIDENTS = 50;
  static final int EPISODES = 256;
  static final int QUARANTINE_SHOWN = 500;

  private final Quarantine quarantine;
  private final boolean releaseEnabled;
  private final long sampleIntervalMs;
  private final int maxClients;

  private long seq;
  private final ArrayDeque<Map<String, @Nullable Object>> signals = new ArrayDeque<>();
  private final Map<String, Map<String, @Nullable Object>> incidents = new LinkedHashMap<>();
  private final Map<String, Map<String, @Nullable Object>> episodes = new LinkedHashMap<>();
  private long episodesDropped;
  private final Map<String, Map<String, @Nullable Object>> quarantined = new LinkedHashMap<>();
  private long quarantineNotShown;
  private final Series series;
  private final List<SseClient> clients = new CopyOnWriteArrayList<>();
  private long droppedClients;

  LiveState(
      Quarantine quarantine,
      boolean releaseEnabled,
      int seriesCapacity,
      long sampleIntervalMs,
      int maxClients) {
    this.quarantine = quarantine;
    this.releaseEnabled = releaseEnabled;
    this.series = new Series(seriesCapacity);
    this.sampleIntervalMs = sampleIntervalMs;
    this.maxClients = maxClients;
  }

  // ---- changes (listeners' threads and the page's sampler) ----

  /** A signal from {@code argos:signal}: recent list, open episodes. */
  synchronized void onSignal(Signal s) {
    Map<String, @Nullable Object> m = Json.signal(s, ++seq);
    addRecent(m);
    Object episode = s.data().get(DataKeys.EPISODE);
    if (episode instanceof String id) {
      if (s.isResolved()) {
        episodes.remove(id);
      } else {
        Map<String, @Nullable Object> e = episodes.get(id);
        if (e == null) {
          if (episodes.size() >= EPISODES) {
            Iterator<String> oldest = episodes.keySet().iterator();
            oldest.next();
            oldest.remove();
            episodesDropped++;
          }
          e = new LinkedHashMap<>();
          e.put("episode", Json.text(id));
          e.put("since", m.get("timestamp"));
          episodes.put(id, e);
        }
        e.put("type", m.get("type"));
        e.put("key", m.get("key"));
        e.put("keyText", m.get("keyText"));
        e.put("severity", m.get("severity"));
        e.put("message", m.get("message"));
        e.put("last", m.get("timestamp"));
      }
    }
    broadcast("signal", m);
  }

  /** An incident from {@code argos:incident}: its latest state by id. */
  synchronized void onIncident(Signal s) {
    Map<String, @Nullable Object> m = Json.signal(s, ++seq);
    String id = s.key() == null ? "seq-" + seq : s.key();
    incidents.remove(id);
    if (incidents.size() >= INCIDENTS) {
      Iterator<String> oldest = incidents.keySet().iterator();
      oldest.next();
      oldest.remove();
    }
    incidents.put(id, m);
    broadcast("incident", m);
  }

  /** A change from {@code argos:quarantine}: the keys shown. */
  synchronized void onQuarantine(Signal s) {
    Map<String, @Nullable Object> m = Json.signal(s, ++seq);
    String key = s.key();
    Object action = s.data().get(DataKeys.ACTION);
    if (key != null && "quarantined".equals(action)) {
      Map<String, @Nullable Object> q = quarantined.remove(key);
      if (q == null) {
        q = new LinkedHashMap<>();
        q.put("key", key);
        q.put("keyText", m.get("keyText"));
        q.put("since", m.get("timestamp"));
        if (quarantined.size() >= QUARANTINE_SHOWN) {
          Iterator<String> oldest = quarantined.keySet().iterator();
          oldest.next();
          oldest.remove();
          quarantineNotShown++;
        }
      }
      Object sev = s.data().get(DataKeys.SEVERITY);
      q.put("severity", sev == null ? s.severity().name() : Json.trim(sev, 0));
      q.put("reason", Json.trim(s.data().get(DataKeys.REASON), 0));
      Object ttl = s.data().get(DataKeys.TTL_MS);
      q.put(
          "expiresAtMs",
          ttl instanceof Number n ? s.timestamp().toEpochMilli() + n.longValue() : null);
      quarantined.put(key, q);
    } else if (key != null
        && ("released".equals(action) || "expired".equals(action) || "evicted".equals(action))) {
      quarantined.remove(key);
    }
    addRecent(m);
    broadcast("quarantine", m);
  }

  /** One sample of the sparklines. */
  synchronized void onSample(long epochMs, double[] sample) {
    series.add(epochMs, sample);
    Map<String, @Nullable Object> point = Series.point(epochMs, sample);
    point.put("quarantineSize", quarantine.size());
    point.put("clients", clients.size());
    broadcast("figures", point);
  }

  private void addRecent(Map<String, @Nullable Object> m) {
    if (signals.size() >= RECENT) {
      signals.removeFirst();
    }
    signals.addLast(m);
  }

  private void broadcast(String event, Map<String, @Nullable Object> m) {
    if (clients.isEmpty()) {
      return;
    }
    byte[] frame = frame(event, m.get("seq"), m);
    clients.removeIf(c -> !c.offer(frame) && countGone(c));
  }

  /** Counts a client that refused a frame if its queue overflowed; true (remove it) anyway. */
  private boolean countGone(SseClient c) {
    if (SseClient.SLOW.equals(c.closeReason())) {
      droppedClients++;
    }
    return true;
  }

  // ---- reads ----

  /** Registers {@code client} and returns its first frame: the snapshot. */
  synchronized byte[] register(SseClient client, @Nullable ArgosSnapshot figures, Instant now) {
    clients.add(client);
    return frame("snapshot", seq, snapshot(figures, now));
  }

  synchronized void unregister(SseClient client) {
    clients.remove(client);
  }

  /** The whole state as JSON-ready maps (what {@code GET /api/snapshot} answers). */
  synchronized Map<String, @Nullable Object> snapshot(@Nullable ArgosSnapshot figures, Instant now) {
    Map<String, @Nullable Object> m = new LinkedHashMap<>();
    m.put("time", now.toString());
    m.put("seq", seq);
    m.put("figures", figures == null ? Map.of() : Json.figures(figures.figures()));
    m.put("figuresTime", figures == null ? null : figures.timestamp().toString());
    Map<String, @Nullable Object> s = series.toMap();
    s.put("intervalMs", sampleIntervalMs);
    m.put("series", s);
    m.put("episodes", new ArrayList<>(episodes.values()));
    m.put("episodesDropped", episodesDropped);
    m.put("signals", new ArrayList<>(signals));
    m.put("incidents", new ArrayList<>(incidents.values()));
    m.put("quarantine", quarantineView(now));
    Map<String, @Nullable Object> page = new LinkedHashMap<>();
    page.put("clients", clients.size());
    page.put("maxClients", maxClients);
    page.put("droppedClients", droppedClients);
    m.put("page", page);
    return m;
  }

  private Map<String, @Nullable Object> quarantineView(Instant now) {
    List<Map<String, @Nullable Object>> keys = new ArrayList<>();
    for (Iterator<Map<String, @Nullable Object>> it = quarantined.values().iterator();
        it.hasNext(); ) {
      Map<String, @Nullable Object> q = it.next();
      String key = (String) q.get("key");
      if (!quarantine.isQuarantined(key)) {
        it.remove(); // expired (reported at the quarantine's next write) or released elsewhere
        continue;
      }
      Map<String, @Nullable Object> view = new LinkedHashMap<>(q);
      long remaining;
      if (quarantine instanceof InMemoryQuarantine mem) {
        remaining = mem.remaining(key).toMillis();
      } else {
        Object at = q.get("expiresAtMs");
        remaining = at instanceof Long l ? Math.max(0, l - now.toEpochMilli()) : -1;
      }
      view.remove("expiresAtMs");
      view.put("remainingMs", remaining < 0 ? null : remaining);
      keys.add(view);
    }
    Map<String, @Nullable Object> m = new LinkedHashMap<>();
    m.put("size", quarantine.size());
    m.put("keys", keys);
    m.put("notShown", quarantineNotShown);
    m.put("releaseEnabled", releaseEnabled);
    return m;
  }

  synchronized int clients() {
    return clients.size();
  }

  synchronized long droppedClients() {
    return droppedClients;
  }

  /** Closes every client (the page is closing). */
  synchronized void closeClients() {
    for (SseClient c : clients) {
      c.close("closing");
    }
    clients.clear();
  }

  /** One server-sent event: {@code id}, {@code event} and one {@code data} line of JSON. */
  static byte[] frame(String event, @Nullable Object id, Object data) {
    byte[] json = Json.bytes(data);
    String head = (id == null ? "" : "id: " + id + "\n") + "event: " + event + "\ndata: ";
    byte[] h = head.getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[h.length + json.length + 2];
    System.arraycopy(h, 0, out, 0, h.length);
    System.arraycopy(json, 0, out, h.length, json.length);
    out[out.length - 2] = '\n';
    out[out.length - 1] = '\n';
    return out;
  }
}
