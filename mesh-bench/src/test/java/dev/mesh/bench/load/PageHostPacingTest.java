package dev.mesh.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mesh.bench.client.LoadPage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Page host: --rate paces the connects, none started before its turn")
class PageHostPacingTest {

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** A page whose start only notes when it began: the pacing is what is measured. */
  private static final class TimedPage implements LoadPage {
    long startedNanos = -1;

    @Override
    public Future<Void> start() {
      startedNanos = System.nanoTime();
      return Future.succeededFuture();
    }

    @Override
    public Future<JsonObject> publish(String channel, JsonObject data) {
      return Future.failedFuture("not used");
    }

    @Override
    public Future<Void> stop() {
      return Future.succeededFuture();
    }
  }

  private static List<TimedPage> pages(int n) {
    List<TimedPage> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new TimedPage());
    }
    return out;
  }

  @Test
  @DisplayName("at 100 a second page i starts no sooner than i x 10 ms after the first")
  void paced() throws Exception {
    List<TimedPage> pages = pages(30);
    long before = System.nanoTime();
    PageHost.startBounded(vertx, pages, 200, 100, new AtomicInteger())
        .toCompletionStage()
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    for (int i = 0; i < pages.size(); i++) {
      // A timer fires no sooner than asked; its whole milliseconds round the due time down by < 1.
      long earliest = before + i * 10_000_000L - 1_000_000L;
      assertThat(pages.get(i).startedNanos).as("page %d", i).isGreaterThanOrEqualTo(earliest);
    }
    assertThat(pages.get(29).startedNanos - pages.get(0).startedNanos)
        .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(289));
  }

  @Test
  @DisplayName("unpaced, every page is started and none fails")
  void unpaced() throws Exception {
    List<TimedPage> pages = pages(30);
    AtomicInteger failed = new AtomicInteger();
    PageHost.startBounded(vertx, pages, 5, 0, failed)
        .toCompletionStage()
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    assertThat(pages).allSatisfy(p -> assertThat(p.startedNanos).isPositive());
    assertThat(failed.get()).isZero();
  }
}
