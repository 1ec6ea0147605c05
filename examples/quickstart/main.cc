// The README's usage example, built against an installed kivi with
// find_package(kivi) and run by the tests on memory:// and grpc://.
#include <cstdio>
#include <string>
#include <vector>

#include "kivi/kivi.h"
#include "nlohmann/json.hpp"

struct User {
  std::string name;
  int age = 0;
};
void to_json(nlohmann::json& j, const User& u) {
  j = {{"name", u.name}, {"age", u.age}};
}
void from_json(const nlohmann::json& j, User& u) {
  j.at("name").get_to(u.name);
  j.at("age").get_to(u.age);
}

int main(int argc, char** argv) {
  const char* url = argc > 1 ? argv[1] : "memory://";
  absl::StatusOr<std::unique_ptr<kivi::Client>> opened = kivi::Open(url);
  if (!opened.ok()) {
    std::fprintf(stderr, "open: %s\n", opened.status().ToString().c_str());
    return 1;
  }
  kivi::Client& kv = **opened;

  // Bytes in, bytes out; a miss is NotFound, never an empty string.
  absl::Status s = kv.Set("greeting", "hello", {.ttl = absl::Seconds(30)});
  absl::StatusOr<std::string> v = kv.Get("greeting");
  bool miss = absl::IsNotFound(kv.Get("nobody").status());
  if (!s.ok() || !v.ok() || *v != "hello" || !miss) return 2;

  // Batches report hits, misses and per-key failures.
  absl::StatusOr<kivi::BatchWriteResult> w =
      kv.BatchSet({{"user:1", "a"}, {"user:2", "b"}});
  absl::StatusOr<kivi::BatchGetResult> g =
      kv.BatchGet({"user:1", "user:2", "user:3"});
  if (!w.ok() || !w->ok() || !g.ok() || g->found.size() != 2) return 3;

  // List is sorted, with the namespace stripped.
  absl::StatusOr<std::vector<std::string>> keys = kv.List("user:");
  if (!keys.ok() || keys->size() != 2 || (*keys)[0] != "user:1") return 4;

  // Typed values: the codec follows from the type (here JSON).
  kivi::Typed<User> users(kv);
  if (!users.Set("profile:1", User{"alice", 30}).ok()) return 5;
  absl::StatusOr<User> alice = users.Get("profile:1");
  if (!alice.ok() || alice->name != "alice") return 5;

  // Cache-aside with single-flight.
  absl::StatusOr<User> bob = users.GetOrSet("profile:2", absl::Minutes(5),
                                            []() -> absl::StatusOr<User> {
                                              return User{"bob", 41};
                                            });
  if (!bob.ok() || bob->age != 41) return 6;

  // Counters, when the backend can.
  absl::StatusOr<uint64_t> n = kv.Increment("visits", 1, {.initial = 1});
  if (!n.ok()) return 7;

  if (!kv.Delete("greeting").ok()) return 8;
  kivi::HealthReport health = kv.Health();
  std::printf("ok: %s visits=%llu healthy=%d\n", url,
              static_cast<unsigned long long>(*n), health.ok());
  return health.ok() ? 0 : 9;
}
