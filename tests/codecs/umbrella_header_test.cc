// The README's promise: "kivi/kivi.h" alone brings in every codec and the
// typed view, so the examples compile with that one include.
#include <string>

#include "codecs_test.pb.h"
#include "gtest/gtest.h"
#include "kivi/kivi.h"

namespace kivi {
namespace {

TEST(UmbrellaHeader, NamesEveryCodecTheReadmeUses) {
  absl::StatusOr<std::unique_ptr<Client>> client = Open("memory://");
  ASSERT_TRUE(client.ok()) << client.status();
  Typed<std::string, Compressed<RawCodec>> compressed(**client);
  ASSERT_TRUE(compressed.Set("c", std::string(4096, 'x')).ok());
  EXPECT_EQ(*compressed.Get("c"), std::string(4096, 'x'));

  Typed<codecs_test::Profile, ProtobufJsonCodec<codecs_test::Profile>> profiles(
      **client);
  codecs_test::Profile alice;
  alice.set_name("alice");
  ASSERT_TRUE(profiles.Set("p", alice).ok());
  EXPECT_EQ(profiles.Get("p")->name(), "alice");

  Typed<int64_t, DecimalCodec<int64_t>> counters(**client);
  ASSERT_TRUE(counters.Set("n", 42).ok());
  EXPECT_EQ(*counters.Get("n"), 42);
}

}  // namespace
}  // namespace kivi
