// The seed's key patterns (PROTOCOL.md section 7), with and without KEY_PREFIX.
#include "asistencia/infra/valkey/keys.hpp"

#include <gtest/gtest.h>

namespace {

using asistencia::infra::valkey::key_builder;
namespace ttl = asistencia::infra::valkey::ttl;

TEST(ValkeyKeys, MatchTheSeedPatterns) {
    const key_builder k;
    EXPECT_EQ(k.qr_meta(12, 100005, 2), "qr:session:12:100005:2");
    EXPECT_EQ(k.projection_queue(12), "proyeccion:session:12");
    EXPECT_EQ(k.student_state(12, 100005), "session:asistencia:12:100005");
    EXPECT_EQ(k.ws_auth("c0ffee"), "ws:auth:c0ffee");
    EXPECT_EQ(k.ws_projection(12), "ws:projection:12");
    EXPECT_EQ(k.cache_user(7), "cache:php:user:7");
    EXPECT_EQ(k.cache_course(45), "cache:php:course:45");
    EXPECT_EQ(k.cache_enrolled(45, 2), "cache:php:enrolled:45:2");
    EXPECT_EQ(k.enrollment_lock(100005), "lock:enrollment:100005");
    EXPECT_EQ(k.projection_leader(12), "projection:leader:12");
}

TEST(ValkeyKeys, PrefixGoesInFrontOfEveryKey) {
    const key_builder k("ucn:");
    EXPECT_EQ(k.qr_meta(1, 2, 3), "ucn:qr:session:1:2:3");
    EXPECT_EQ(k.cache_enrolled(4, 5), "ucn:cache:php:enrolled:4:5");
    EXPECT_EQ(k.enrollment_lock(9), "ucn:lock:enrollment:9");
    EXPECT_EQ(k.challenge("enroll", "9"), "ucn:challenge:enroll:9");
    EXPECT_EQ(k.rate_limit("answers", "5:100001:7"), "ucn:ratelimit:answers:5:100001:7");
    EXPECT_EQ(k.raw("x"), "ucn:x");
}

TEST(ValkeyKeys, SessionPrefixesCompletedByAQueueEntryAreTheRoundsKeys) {
    const key_builder k("ucn:");
    // The show script appends the queue entry "{uid}:{round}" or the uid to these.
    EXPECT_EQ(k.qr_meta_session_prefix(12) + "100005:2", k.qr_meta(12, 100005, 2));
    EXPECT_EQ(k.student_state_session_prefix(12) + "100005", k.student_state(12, 100005));
}

TEST(ValkeyKeys, TheProjectionsKeysAndChannels) {
    const key_builder k("ucn:");
    EXPECT_EQ(k.projection_leader(12), "ucn:projection:leader:12");
    EXPECT_EQ(k.projection_paused(12), "ucn:projection:paused:12");
    EXPECT_EQ(k.projection_seq(12), "ucn:projection:seq:12");
    EXPECT_EQ(k.projection_frames(12), "ucn:projection:frames:12");
    EXPECT_EQ(k.projection_events(12), "ucn:projection:events:12");
    EXPECT_EQ(k.projection_frames_prefix() + "12", k.projection_frames(12));
    EXPECT_EQ(k.projection_events_prefix() + "12", k.projection_events(12));
}

TEST(ValkeyKeys, TtlsAreTheProtocols) {
    EXPECT_EQ(ttl::qr_meta.count(), 120);
    EXPECT_EQ(ttl::projection_queue.count(), 300);
    EXPECT_EQ(ttl::student_state.count(), 600);
    EXPECT_EQ(ttl::ws_auth.count(), 60);
    EXPECT_EQ(ttl::ws_projection.count(), 7200);
    EXPECT_EQ(ttl::cache_user.count(), 300);
    EXPECT_EQ(ttl::cache_course.count(), 600);
    EXPECT_EQ(ttl::cache_enrolled.count(), 600);
    EXPECT_EQ(ttl::enrollment_lock.count(), 60);
}

} // namespace
