#include "backends/redis/src/slots.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace kivi::redis {
namespace {

constexpr std::array<uint16_t, 256> MakeCrcTable() {
  std::array<uint16_t, 256> table{};
  for (int i = 0; i < 256; ++i) {
    uint16_t crc = static_cast<uint16_t>(i << 8);
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 0x8000) ? static_cast<uint16_t>((crc << 1) ^ 0x1021)
                           : static_cast<uint16_t>(crc << 1);
    }
    table[i] = crc;
  }
  return table;
}

constexpr std::array<uint16_t, 256> kCrcTable = MakeCrcTable();

absl::Status BadSlots(absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("unexpected CLUSTER SLOTS reply: ", what));
}

}  // namespace

uint16_t Crc16(absl::string_view data) {
  uint16_t crc = 0;
  for (const char c : data) {
    crc = static_cast<uint16_t>(
        (crc << 8) ^ kCrcTable[((crc >> 8) ^ static_cast<uint8_t>(c)) & 0xff]);
  }
  return crc;
}

absl::string_view HashTag(absl::string_view key) {
  const size_t open = key.find('{');
  if (open == absl::string_view::npos) return key;
  const size_t close = key.find('}', open + 1);
  if (close == absl::string_view::npos || close == open + 1) return key;
  return key.substr(open + 1, close - open - 1);
}

uint16_t KeySlot(absl::string_view key) {
  return Crc16(HashTag(key)) & (kSlotCount - 1);
}

SlotMap::SlotMap() { owner_.fill(-1); }

bool SlotMap::Complete() const {
  for (const int16_t owner : owner_) {
    if (owner < 0) return false;
  }
  return true;
}

absl::StatusOr<SlotMap> SlotMap::FromClusterSlots(
    const Reply& reply, absl::string_view queried_host) {
  if (reply.type != ReplyType::kArray) return BadSlots("not an array");
  SlotMap map;
  for (const Reply& range : reply.elements) {
    if (range.type != ReplyType::kArray || range.elements.size() < 3) {
      return BadSlots("a range is not [first, last, master, ...]");
    }
    const Reply& first = range.elements[0];
    const Reply& last = range.elements[1];
    const Reply& master = range.elements[2];
    if (first.type != ReplyType::kInteger || last.type != ReplyType::kInteger ||
        first.integer < 0 || last.integer >= kSlotCount ||
        first.integer > last.integer) {
      return BadSlots("slot range out of 0..16383");
    }
    if (master.type != ReplyType::kArray || master.elements.size() < 2 ||
        master.elements[1].type != ReplyType::kInteger ||
        master.elements[1].integer < 1 || master.elements[1].integer > 65535) {
      return BadSlots("a master is not [host, port, ...]");
    }
    const Reply& host = master.elements[0];
    HostPort address;
    address.port = static_cast<uint16_t>(master.elements[1].integer);
    if (host.type == ReplyType::kNull ||
        (host.IsString() && (host.text.empty() || host.text == "?"))) {
      address.host = std::string(queried_host);
    } else if (host.IsString()) {
      address.host = std::string(host.text);
    } else {
      return BadSlots("a master's host is not a string");
    }
    int index = -1;
    for (size_t i = 0; i < map.masters_.size(); ++i) {
      if (map.masters_[i] == address) index = static_cast<int>(i);
    }
    if (index < 0) {
      index = static_cast<int>(map.masters_.size());
      map.masters_.push_back(std::move(address));
    }
    for (int64_t slot = first.integer; slot <= last.integer; ++slot) {
      map.owner_[slot] = static_cast<int16_t>(index);
    }
  }
  return map;
}

}  // namespace kivi::redis
