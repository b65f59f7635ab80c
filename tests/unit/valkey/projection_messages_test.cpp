// The frame and event messages every replica's projection feed reads (projection_store):
// what the leader encodes decodes to the same frame; anything else is dropped.
#include "asistencia/infra/stores/projection_store.hpp"

#include <gtest/gtest.h>

namespace {

namespace stores = asistencia::infra::stores;
namespace att = asistencia::application::attendance;

TEST(ProjectionMessages, ARealFrameRoundTrips) {
    att::published_frame f;
    f.seq = 17;
    f.width = 25;
    f.modules = "AAEC";
    f.sent_at_ms = 1'700'000'000'123;
    f.round = att::frame_round{100005, 2, "bm9uY2U"};
    const auto text = stores::encode_frame(f);
    EXPECT_EQ(text, R"({"seq":17,"sentAt":1700000000123,"uid":100005,"round":2,"nonce":"bm9uY2U"})"
                    "\n"
                    R"({"type":"frame","seq":17,"qr":{"width":25,"modules":"AAEC"}})");
    const auto back = stores::decode_frame(text);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->seq, 17);
    EXPECT_EQ(back->sent_at_ms, f.sent_at_ms);
    ASSERT_TRUE(back->round);
    EXPECT_EQ(back->round->user_id, 100005);
    EXPECT_EQ(back->round->round, 2);
    EXPECT_EQ(back->round->nonce, "bm9uY2U");
    // The projectors' message, passed on as the leader wrote it (PROTOCOL.md's frame).
    EXPECT_EQ(back->client_message, R"({"type":"frame","seq":17,"qr":{"width":25,"modules":"AAEC"}})");
}

TEST(ProjectionMessages, ThePartsAroundTheSeqMakeTheMessageTheScriptPublishes) {
    att::published_frame f;
    f.seq = 41;
    f.width = 21;
    f.modules = "AA==";
    f.sent_at_ms = 5;
    const auto p = stores::encode_frame_parts(f);
    EXPECT_EQ(p.head + "41" + p.middle + "41" + p.tail, stores::encode_frame(f));
}

TEST(ProjectionMessages, ADecoyCarriesNoRound) {
    att::published_frame f;
    f.seq = 3;
    f.width = 21;
    f.modules = "AA==";
    const auto back = stores::decode_frame(stores::encode_frame(f));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->seq, 3);
    EXPECT_FALSE(back->round);
    EXPECT_EQ(back->client_message, R"({"type":"frame","seq":3,"qr":{"width":21,"modules":"AA=="}})");
}

TEST(ProjectionMessages, TheOlderSingleObjectShapeStillDecodes) {
    const auto back = stores::decode_frame(
        R"({"seq":17,"width":25,"modules":"AAEC","sentAt":1700000000123,"uid":100005,"round":2,"nonce":"bm9uY2U"})");
    ASSERT_TRUE(back);
    EXPECT_EQ(back->seq, 17);
    EXPECT_EQ(back->width, 25);
    EXPECT_EQ(back->modules, "AAEC");
    EXPECT_EQ(back->sent_at_ms, 1'700'000'000'123);
    ASSERT_TRUE(back->round);
    EXPECT_EQ(back->round->nonce, "bm9uY2U");
    EXPECT_TRUE(back->client_message.empty());
}

TEST(ProjectionMessages, MalformedFramesAreDropped) {
    EXPECT_FALSE(stores::decode_frame("not json"));
    EXPECT_FALSE(stores::decode_frame("[1,2]"));
    EXPECT_FALSE(stores::decode_frame(R"({"width":21,"modules":"AA=="})"));
    EXPECT_FALSE(stores::decode_frame(R"({"seq":"1","width":21,"modules":"AA=="})"));
    EXPECT_FALSE(stores::decode_frame(R"({"seq":1,"modules":"AA=="})"));
    EXPECT_FALSE(stores::decode_frame(R"({"seq":1,"width":21,"modules":5})"));
    // The two-line shape: a header without a numeric seq, or a body that is not a frame.
    EXPECT_FALSE(stores::decode_frame("{\"seq\":\"1\"}\n{\"type\":\"frame\",\"seq\":1,\"qr\":{}}"));
    EXPECT_FALSE(stores::decode_frame("{\"seq\":1}\n{\"type\":\"progress\"}"));
    EXPECT_FALSE(stores::decode_frame("not json\n{\"type\":\"frame\",\"seq\":1,\"qr\":{}}"));
}

TEST(ProjectionMessages, EventsAreProgressOrClosedWithTheSummary) {
    const auto progress = stores::decode_event(R"({"type":"progress"})");
    ASSERT_TRUE(progress);
    EXPECT_EQ(progress->type, att::projection_event::kind::progress);
    const auto closed = stores::decode_event(R"({"type":"closed","summary":{"present":3}})");
    ASSERT_TRUE(closed);
    EXPECT_EQ(closed->type, att::projection_event::kind::closed);
    EXPECT_EQ(closed->summary_json, R"({"present":3})");
    const auto bare = stores::decode_event(R"({"type":"closed"})");
    ASSERT_TRUE(bare);
    EXPECT_EQ(bare->summary_json, "{}");
    EXPECT_FALSE(stores::decode_event(R"({"type":"other"})"));
    EXPECT_FALSE(stores::decode_event("nope"));
}

} // namespace
