package dev.mesh.replay.history;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@DisplayName("The read coalescer")
class ReadCoalescerTest {

  /** Reads whose completion the test controls, counted as the coalescer reports them. */
  private static final class Reads implements ReadCoalescer.Listener {
    final List<Promise<String>> issued = new ArrayList<>();
    int shared;

    Future<String> next() {
      Promise<String> read = Promise.promise();
      issued.add(read);
      return read.future();
    }

    @Override
    public void issued() {}

    @Override
    public void shared() {
      shared++;
    }
  }

  @Test
  @DisplayName(
      "requests arriving during a read share the next read, never the one already in flight")
  void sharesOnlyFreshReads(Vertx vertx, VertxTestContext test) {
    vertx
        .getOrCreateContext()
        .runOnContext(
            v ->
                test.verify(
                    () -> {
                      Reads reads = new Reads();
                      ReadCoalescer<String, String> coalescer = new ReadCoalescer<>(reads);
                      Future<String> first = coalescer.read("k", reads::next);
                      Future<String> second = coalescer.read("k", reads::next);
                      Future<String> third = coalescer.read("k", reads::next);
                      Future<String> other = coalescer.read("other", reads::next);
                      assertThat(reads.issued).hasSize(2);

                      reads.issued.get(0).complete("before");
                      assertThat(first.result()).isEqualTo("before");
                      assertThat(second.isComplete())
                          .as("arrived after the first read was issued")
                          .isFalse();
                      assertThat(reads.issued)
                          .as("the waiting requests' read is issued at once")
                          .hasSize(3);

                      Future<String> fourth = coalescer.read("k", reads::next);
                      reads.issued.get(2).complete("after");
                      assertThat(second.result()).isEqualTo("after");
                      assertThat(third.result()).isEqualTo("after");
                      assertThat(fourth.isComplete()).isFalse();

                      reads.issued.get(3).fail("storage down");
                      assertThat(fourth.failed()).isTrue();
                      reads.issued.get(1).complete("o");
                      assertThat(other.result()).isEqualTo("o");
                      assertThat(reads.shared).as("third shared the second's read").isEqualTo(1);
                      assertThat(coalescer.inFlight()).isZero();
                      test.completeNow();
                    }));
  }
}
