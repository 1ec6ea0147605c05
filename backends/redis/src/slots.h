#ifndef KIVI_BACKENDS_REDIS_SRC_SLOTS_H_
#define KIVI_BACKENDS_REDIS_SRC_SLOTS_H_

// Redis Cluster's key placement: 16384 hash slots, a key's slot being the
// CRC16 (XMODEM variant) of its hash tag or whole key, and the map from
// slots to the masters that own them, as CLUSTER SLOTS reports it.
//
// Reference: the Redis Cluster specification, "Key distribution model" and
// "Hash tags"; CLUSTER SLOTS.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "backends/redis/src/resp.h"
#include "kivi/host_port.h"

namespace kivi::redis {

inline constexpr int kSlotCount = 16384;

// CRC16 as Redis Cluster computes it: polynomial 0x1021, initial value 0,
// neither input nor output reflected, no final xor ("123456789" -> 0x31c3).
uint16_t Crc16(absl::string_view data);

// The part of `key` that decides its slot: the bytes between the first '{'
// and the first '}' after it, when there is at least one; else the whole
// key. So "{user1}.a" and "{user1}.b" share a slot, and "{}x" is hashed
// whole.
absl::string_view HashTag(absl::string_view key);

// The slot of `key`: Crc16(HashTag(key)) mod 16384.
uint16_t KeySlot(absl::string_view key);

// Which master owns each slot. Immutable once built; copy-free sharing is
// the caller's business (the backend holds it in a shared_ptr).
class SlotMap {
 public:
  // Builds the map from a CLUSTER SLOTS reply: an array of [first slot,
  // last slot, [host, port, id, ...], replicas...]. A master whose host is
  // null, empty or "?" (an unknown endpoint) is reached at `queried_host`,
  // the host the command was sent to, with the port given. Masters appear
  // in `masters()` once each, in order of first appearance. InvalidArgument
  // describing the problem when the reply has another shape or a slot out
  // of range. Slots no range covers have no owner.
  static absl::StatusOr<SlotMap> FromClusterSlots(
      const Reply& reply, absl::string_view queried_host);

  // The index into masters() of the slot's owner; -1 when no master owns it.
  int OwnerOf(uint16_t slot) const { return owner_[slot]; }
  const std::vector<HostPort>& masters() const { return masters_; }
  // True when every slot has an owner.
  bool Complete() const;

 private:
  SlotMap();

  std::vector<HostPort> masters_;
  std::array<int16_t, kSlotCount> owner_;
};

}  // namespace kivi::redis

#endif  // KIVI_BACKENDS_REDIS_SRC_SLOTS_H_
