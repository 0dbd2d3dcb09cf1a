package dev.mesh.connection.frames;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mesh.common.bus.Json;
import dev.mesh.common.protocol.Position;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("FrameDecoder: client frames to records, or the error that answers them")
class FrameDecoderTest {

  private static final String ID_RULE = "id must be 1-64 characters of A-Z a-z 0-9 _ -";
  private static final String CHANNEL_RULE =
      "channel must be 1-128 characters of A-Z a-z 0-9 _ - : . @";

  /** The frame's JSON with single quotes for readability. */
  private static Decoded decode(String json) {
    return FrameDecoder.decode(json.replace('\'', '"'));
  }

  private static <T extends ClientFrame> T frame(String json, Class<T> type) {
    Decoded decoded = decode(json);
    assertThat(decoded).isInstanceOf(type);
    return type.cast(decoded);
  }

  private static void rejects(String json, ErrorCode code, String message, String id) {
    assertThat(decode(json)).isEqualTo(new DecodeError(code, message, id));
  }

  @Nested
  @DisplayName("any frame")
  class AnyFrame {

    @Test
    @DisplayName("text that is not JSON: malformed-json naming the parser's complaint, no id")
    void notJson() {
      Decoded decoded = FrameDecoder.decode("{\"type\":");
      assertThat(decoded).isInstanceOf(DecodeError.class);
      DecodeError error = (DecodeError) decoded;
      assertThat(error.code()).isEqualTo(ErrorCode.MALFORMED_JSON);
      assertThat(error.message()).startsWith("not valid JSON (or nested deeper than 64): ");
      assertThat(error.id()).isNull();
    }

    @Test
    @DisplayName("parse: JSON nested deeper than 64 is unreadable")
    void tooDeep() {
      String deep = "[".repeat(70) + "]".repeat(70);
      assertThatThrownBy(() -> FrameDecoder.parse(deep))
          .isInstanceOfSatisfying(
              FrameDecoder.UnreadableFrame.class,
              e -> assertThat(e.error().code()).isEqualTo(ErrorCode.MALFORMED_JSON));
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "1", "'ping'", "null", "true"})
    @DisplayName("JSON that is not an object: malformed-json")
    void notAnObject(String json) {
      rejects(json, ErrorCode.MALFORMED_JSON, "a frame must be a JSON object", null);
    }

    @Test
    @DisplayName("a parsed null (an empty SSE body never gets here, but a missing tree might)")
    void nullTree() {
      assertThat(FrameDecoder.decode((com.fasterxml.jackson.databind.JsonNode) null))
          .isEqualTo(
              new DecodeError(ErrorCode.MALFORMED_JSON, "a frame must be a JSON object", null));
    }

    @Test
    @DisplayName("no type, or type null: missing-field, echoing the id")
    void missingType() {
      rejects("{'id':'a1'}", ErrorCode.MISSING_FIELD, "type is required", "a1");
      rejects("{'type':null,'id':'a1'}", ErrorCode.MISSING_FIELD, "type is required", "a1");
    }

    @Test
    @DisplayName("type checked before the id: a bad id is still echoed when type is missing")
    void typeBeforeId() {
      rejects("{'id':'no spaces'}", ErrorCode.MISSING_FIELD, "type is required", "no spaces");
      rejects("{'id':7}", ErrorCode.MISSING_FIELD, "type is required", null);
    }

    @Test
    @DisplayName("type not a string: invalid-field")
    void typeNotString() {
      rejects("{'type':1,'id':'a1'}", ErrorCode.INVALID_FIELD, "type must be a string", "a1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"null", "7", "''", "'has space'", "'é'", "{}"})
    @DisplayName("an id present but not a valid id: invalid-field, no id echoed")
    void badId(String id) {
      rejects("{'type':'ping','id':" + id + "}", ErrorCode.INVALID_FIELD, ID_RULE, null);
    }

    @Test
    @DisplayName("an id of 65 characters is refused, 64 accepted")
    void idLength() {
      rejects(
          "{'type':'ping','id':'" + "a".repeat(65) + "'}", ErrorCode.INVALID_FIELD, ID_RULE, null);
      assertThat(frame("{'type':'ping','id':'" + "a".repeat(64) + "'}", ClientFrame.Ping.class))
          .isEqualTo(new ClientFrame.Ping("a".repeat(64)));
    }

    @Test
    @DisplayName("unknown type: unknown-type naming it, echoing the id")
    void unknownType() {
      rejects("{'type':'hello','id':'a1'}", ErrorCode.UNKNOWN_TYPE, "unknown type 'hello'", "a1");
      rejects("{'type':'Ping'}", ErrorCode.UNKNOWN_TYPE, "unknown type 'Ping'", null);
    }

    @Test
    @DisplayName("sentId: the id as sent when a string, valid or not; null otherwise")
    void sentId() throws Exception {
      assertThat(FrameDecoder.sentId(FrameDecoder.parse("{\"id\":\"bad id\"}")))
          .isEqualTo("bad id");
      assertThat(FrameDecoder.sentId(FrameDecoder.parse("{\"id\":3}"))).isNull();
      assertThat(FrameDecoder.sentId(FrameDecoder.parse("[\"x\"]"))).isNull();
      assertThat(FrameDecoder.sentId(null)).isNull();
    }
  }

  @Nested
  @DisplayName("ping and close")
  class PingAndClose {

    @Test
    @DisplayName("ping with or without an id")
    void ping() {
      assertThat(frame("{'type':'ping','id':'p17'}", ClientFrame.Ping.class))
          .isEqualTo(new ClientFrame.Ping("p17"));
      assertThat(frame("{'type':'ping'}", ClientFrame.Ping.class))
          .isEqualTo(new ClientFrame.Ping(null));
    }

    @Test
    @DisplayName("close, other fields ignored")
    void close() {
      assertThat(frame("{'type':'close','why':'bye'}", ClientFrame.Close.class))
          .isEqualTo(new ClientFrame.Close());
    }
  }

  @Nested
  @DisplayName("subscribe")
  class Subscribe {

    @Test
    @DisplayName("every field")
    void full() {
      ClientFrame.Subscribe s =
          frame(
              "{'type':'subscribe','id':'s1','channel':'chat:lobby',"
                  + "'position':{'epoch':'Zk3','seq':41},'presence':true,'info':{'name':'Alice'}}",
              ClientFrame.Subscribe.class);
      assertThat(s.id()).isEqualTo("s1");
      assertThat(s.channel()).isEqualTo("chat:lobby");
      assertThat(s.from()).isEqualTo(new Position("Zk3", 41));
      assertThat(s.presence()).isTrue();
      assertThat(s.info()).isEqualTo(Json.MAPPER.createObjectNode().put("name", "Alice"));
      assertThat(s.badInfo()).isNull();
    }

    @Test
    @DisplayName("the optional fields absent or null: live only, no presence, no info")
    void minimal() {
      assertThat(frame("{'type':'subscribe','id':'s1','channel':'c'}", ClientFrame.Subscribe.class))
          .isEqualTo(new ClientFrame.Subscribe("s1", "c", null, false, null, null));
      assertThat(
              frame(
                  "{'type':'subscribe','id':'s1','channel':'c','position':null,'presence':null,"
                      + "'info':null}",
                  ClientFrame.Subscribe.class))
          .isEqualTo(new ClientFrame.Subscribe("s1", "c", null, false, null, null));
    }

    @Test
    @DisplayName("no id: missing-field")
    void noId() {
      rejects(
          "{'type':'subscribe','channel':'c'}", ErrorCode.MISSING_FIELD, "id is required", null);
    }

    @Test
    @DisplayName("the id is checked before the channel")
    void idBeforeChannel() {
      rejects("{'type':'subscribe'}", ErrorCode.MISSING_FIELD, "id is required", null);
    }

    @ParameterizedTest
    @CsvSource(
        delimiter = '|',
        value = {
          "                | MISSING_FIELD | channel is required",
          "'channel':null  | MISSING_FIELD | channel is required",
          "'channel':''    | MISSING_FIELD | channel is required",
          "'channel':5     | INVALID_FIELD | channel must be a string",
          "'channel':'a b' | INVALID_FIELD | " + CHANNEL_RULE,
        })
    @DisplayName("a bad channel: missing-field or invalid-field, echoing the id")
    void badChannel(String field, ErrorCode code, String message) {
      String extra = field == null ? "" : "," + field;
      rejects("{'type':'subscribe','id':'s1'" + extra + "}", code, message, "s1");
    }

    @ParameterizedTest
    @ValueSource(
        strings = {
          "5",
          "'E~3'",
          "{'seq':3}",
          "{'epoch':'E'}",
          "{'epoch':3,'seq':3}",
          "{'epoch':'E','seq':'3'}",
          "{'epoch':'E','seq':1.5}",
          "[]"
        })
    @DisplayName("a position that is not {epoch: string, seq: integer}: invalid-field")
    void badPosition(String position) {
      rejects(
          "{'type':'subscribe','id':'s1','channel':'c','position':" + position + "}",
          ErrorCode.INVALID_FIELD,
          "position must be {epoch: string, seq: integer >= 0}",
          "s1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1", "'true'", "{}"})
    @DisplayName("presence not a boolean: invalid-field")
    void badPresence(String presence) {
      rejects(
          "{'type':'subscribe','id':'s1','channel':'c','presence':" + presence + "}",
          ErrorCode.INVALID_FIELD,
          "presence must be a boolean",
          "s1");
    }

    @Test
    @DisplayName("the position is checked before presence")
    void positionBeforePresence() {
      rejects(
          "{'type':'subscribe','id':'s1','channel':'c','position':1,'presence':1}",
          ErrorCode.INVALID_FIELD,
          "position must be {epoch: string, seq: integer >= 0}",
          "s1");
    }

    @Test
    @DisplayName("info not an object: decoded, with an invalid-field for the receiver to answer")
    void infoNotObject() {
      ClientFrame.Subscribe s =
          frame(
              "{'type':'subscribe','id':'s1','channel':'c','info':'Alice'}",
              ClientFrame.Subscribe.class);
      assertThat(s.badInfo())
          .isEqualTo(
              new DecodeError(
                  ErrorCode.INVALID_FIELD,
                  "info must be a JSON object of at most 1024 bytes",
                  "s1"));
      assertThat(s.info()).isNull();
    }

    @Test
    @DisplayName("info over 1024 bytes serialised: too-large; 1024 bytes accepted")
    void infoTooLarge() {
      // {"n":"..."} is 8 bytes around the value.
      String fits = "{'type':'subscribe','id':'s1','channel':'c','info':{'n':'" + "x".repeat(1016);
      assertThat(frame(fits + "'}}", ClientFrame.Subscribe.class).badInfo()).isNull();
      assertThat(frame(fits + "x'}}", ClientFrame.Subscribe.class).badInfo())
          .isEqualTo(
              new DecodeError(
                  ErrorCode.TOO_LARGE, "info must be a JSON object of at most 1024 bytes", "s1"));
    }
  }

  @Nested
  @DisplayName("unsubscribe")
  class Unsubscribe {

    @Test
    @DisplayName("id and channel")
    void ok() {
      assertThat(
              frame(
                  "{'type':'unsubscribe','id':'u1','channel':'c'}", ClientFrame.Unsubscribe.class))
          .isEqualTo(new ClientFrame.Unsubscribe("u1", "c"));
    }

    @Test
    @DisplayName("no id, or no channel: missing-field")
    void missing() {
      rejects(
          "{'type':'unsubscribe','channel':'c'}", ErrorCode.MISSING_FIELD, "id is required", null);
      rejects(
          "{'type':'unsubscribe','id':'u1'}", ErrorCode.MISSING_FIELD, "channel is required", "u1");
    }

    @Test
    @DisplayName("a bad channel: invalid-field")
    void badChannel() {
      rejects(
          "{'type':'unsubscribe','id':'u1','channel':'a/b'}",
          ErrorCode.INVALID_FIELD,
          CHANNEL_RULE,
          "u1");
    }
  }

  @Nested
  @DisplayName("publish")
  class Publish {

    @Test
    @DisplayName("every field; critical defaults to false")
    void ok() {
      assertThat(
              frame(
                  "{'type':'publish','id':'m1','channel':'c','data':{'text':'hi'},'critical':true}",
                  ClientFrame.Publish.class))
          .isEqualTo(
              new ClientFrame.Publish(
                  "m1", "c", Json.MAPPER.createObjectNode().put("text", "hi"), true));
      assertThat(
              frame(
                      "{'type':'publish','id':'m1','channel':'c','data':0}",
                      ClientFrame.Publish.class)
                  .critical())
          .isFalse();
    }

    @Test
    @DisplayName("data may be any JSON but null: false, 0, an empty string")
    void anyData() {
      assertThat(
              frame(
                      "{'type':'publish','id':'m1','channel':'c','data':false}",
                      ClientFrame.Publish.class)
                  .data()
                  .isBoolean())
          .isTrue();
      assertThat(
              frame(
                      "{'type':'publish','id':'m1','channel':'c','data':''}",
                      ClientFrame.Publish.class)
                  .data()
                  .asText())
          .isEmpty();
    }

    @Test
    @DisplayName("no id, no channel: missing-field")
    void missingIdOrChannel() {
      rejects(
          "{'type':'publish','channel':'c','data':1}",
          ErrorCode.MISSING_FIELD,
          "id is required",
          null);
      rejects(
          "{'type':'publish','id':'m1','data':1}",
          ErrorCode.MISSING_FIELD,
          "channel is required",
          "m1");
    }

    @Test
    @DisplayName("data absent or null: missing-field")
    void noData() {
      String message = "data is required (any JSON but null)";
      rejects("{'type':'publish','id':'m1','channel':'c'}", ErrorCode.MISSING_FIELD, message, "m1");
      rejects(
          "{'type':'publish','id':'m1','channel':'c','data':null}",
          ErrorCode.MISSING_FIELD,
          message,
          "m1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"null", "1", "'true'"})
    @DisplayName("critical not a boolean (null included): invalid-field")
    void badCritical(String critical) {
      rejects(
          "{'type':'publish','id':'m1','channel':'c','data':1,'critical':" + critical + "}",
          ErrorCode.INVALID_FIELD,
          "critical must be a boolean",
          "m1");
    }
  }

  @Nested
  @DisplayName("ack")
  class Ack {

    @Test
    @DisplayName("channel and seq; an id is allowed and ignored")
    void ok() {
      assertThat(frame("{'type':'ack','channel':'user:alice','seq':12}", ClientFrame.Ack.class))
          .isEqualTo(new ClientFrame.Ack("user:alice", 12));
      assertThat(frame("{'type':'ack','id':'a1','channel':'c','seq':0}", ClientFrame.Ack.class))
          .isEqualTo(new ClientFrame.Ack("c", 0));
    }

    @Test
    @DisplayName("its errors carry no id, even when the frame had one")
    void noIdInErrors() {
      rejects(
          "{'type':'ack','id':'a1','seq':1}", ErrorCode.MISSING_FIELD, "channel is required", null);
      rejects(
          "{'type':'ack','id':'a1','channel':'c'}",
          ErrorCode.MISSING_FIELD,
          "seq must be an integer >= 0",
          null);
    }

    @Test
    @DisplayName("a bad channel: invalid-field")
    void badChannel() {
      rejects(
          "{'type':'ack','channel':true,'seq':1}",
          ErrorCode.INVALID_FIELD,
          "channel must be a string",
          null);
    }

    @ParameterizedTest
    @ValueSource(strings = {"null", "-1", "1.5", "'3'", "99999999999999999999", "{}"})
    @DisplayName("seq present but not an integer >= 0: invalid-field")
    void badSeq(String seq) {
      rejects(
          "{'type':'ack','channel':'c','seq':" + seq + "}",
          ErrorCode.INVALID_FIELD,
          "seq must be an integer >= 0",
          null);
    }
  }

  @Nested
  @DisplayName("refresh")
  class Refresh {

    @Test
    @DisplayName("id and token")
    void ok() {
      assertThat(frame("{'type':'refresh','id':'r3','token':'a.b.c'}", ClientFrame.Refresh.class))
          .isEqualTo(new ClientFrame.Refresh("r3", "a.b.c"));
    }

    @ParameterizedTest
    @ValueSource(
        strings = {
          "{'type':'refresh','token':'t'}",
          "{'type':'refresh','id':'r3'}",
          "{'type':'refresh','id':'r3','token':5}"
        })
    @DisplayName("id or token absent, or token not a string: missing-field, echoing the id")
    void missing(String json) {
      String id = json.contains("'r3'") ? "r3" : null;
      rejects(json, ErrorCode.MISSING_FIELD, "refresh needs id and token", id);
    }
  }
}
