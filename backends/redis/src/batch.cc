// BatchGet, BatchSet, BatchDelete: keys grouped by the node that serves
// them, each node's share one pipelined write (MGET / SET PX / DEL), all
// nodes driven at once. In a cluster a multi-key command must stay within
// one slot, so a node's keys are sorted by slot and each slot's keys make
// one command. A node that fails fails only its keys; a command that meets
// a redirection (a slot moving) has its keys redone one by one through the
// single-key path, which follows it.

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "backends/redis/src/backend.h"
#include "backends/redis/src/replies.h"
#include "backends/redis/src/slots.h"

namespace kivi::redis {
namespace {

// The items of a batch that go to one node, cut into commands.
struct Group {
  Node* node = nullptr;
  std::vector<size_t> items;  // Indices into the batch, by command.
  // Command c covers items[bounds[c] .. bounds[c + 1]).
  std::vector<size_t> bounds;
};

// Groups items 0..n-1 by node. With `per_item`, every item is its own
// command; otherwise all of a node's items make one command (one server)
// or one command per slot (a cluster). An item whose node cannot be found
// goes to `fail`.
std::vector<Group> Plan(Topology& topology, size_t n,
                        absl::FunctionRef<absl::string_view(size_t)> key_of,
                        bool per_item, absl::Time deadline,
                        absl::FunctionRef<void(size_t, absl::Status)> fail) {
  std::vector<Group> groups;
  if (!topology.cluster()) {
    // One server: every item in one group, no slots to sort by.
    absl::StatusOr<Node*> node = topology.NodeFor("", deadline);
    if (!node.ok()) {
      for (size_t i = 0; i < n; ++i) fail(i, node.status());
      return groups;
    }
    Group group{*node, {}, {0}};
    group.items.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      if (per_item && i > 0) group.bounds.push_back(i);
      group.items.push_back(i);
    }
    group.bounds.push_back(n);
    if (n > 0) groups.push_back(std::move(group));
    return groups;
  }
  std::vector<std::pair<uint16_t, size_t>> slotted;  // (slot, item)
  slotted.reserve(n);
  for (size_t i = 0; i < n; ++i) slotted.emplace_back(KeySlot(key_of(i)), i);
  std::sort(slotted.begin(), slotted.end());
  absl::flat_hash_map<Node*, size_t> group_of;
  std::vector<uint16_t> last_slot;
  for (const auto& [slot, item] : slotted) {
    absl::StatusOr<Node*> node = topology.NodeForSlot(slot, deadline);
    if (!node.ok()) {
      fail(item, node.status());
      continue;
    }
    auto [it, added] = group_of.try_emplace(*node, groups.size());
    if (added) {
      groups.push_back(Group{*node, {}, {0}});
      last_slot.push_back(slot);
    }
    Group& group = groups[it->second];
    if (!group.items.empty() && (per_item || last_slot[it->second] != slot)) {
      group.bounds.push_back(group.items.size());
    }
    last_slot[it->second] = slot;
    group.items.push_back(item);
  }
  for (Group& group : groups) group.bounds.push_back(group.items.size());
  return groups;
}

size_t Commands(const Group& group) { return group.bounds.size() - 1; }

// Runs one request per group; `encode(group, out)` appends its commands,
// `on_reply(group, command, reply)` reads each reply. A group whose node
// failed has all its items passed to `fail`.
void RunGroups(
    std::vector<Group>& groups, absl::Time deadline,
    absl::FunctionRef<void(const Group&, std::string*)> encode,
    absl::FunctionRef<void(const Group&, size_t, const Reply&)> on_reply,
    absl::FunctionRef<void(size_t, absl::Status)> fail) {
  std::vector<NodeRequest> requests(groups.size());
  for (size_t g = 0; g < groups.size(); ++g) {
    const Group* group = &groups[g];
    requests[g].node = group->node;
    requests[g].count = Commands(*group);
    requests[g].encode = [group, encode](std::string* out) {
      encode(*group, out);
    };
    requests[g].on_reply = [group, on_reply](size_t c, const Reply& reply) {
      on_reply(*group, c, reply);
    };
  }
  RunOnNodes(absl::MakeSpan(requests), deadline, Idempotent::kYes);
  for (size_t g = 0; g < groups.size(); ++g) {
    if (requests[g].status.ok()) continue;
    for (const size_t item : groups[g].items) fail(item, requests[g].status);
  }
}

}  // namespace

absl::StatusOr<BatchGetResult> RedisBackend::BatchGet(
    absl::Span<const std::string> keys) {
  const absl::Time deadline = Deadline();
  BatchGetResult result;
  result.found.reserve(keys.size());
  std::vector<size_t> redo;  // Items whose command was redirected.
  // Values that arrived before a node's stream broke are not trusted
  // either: corruption can pass for a well-formed value until a later check.
  auto fail = [&](size_t i, absl::Status status) {
    result.found.erase(keys[i]);
    result.failed.insert_or_assign(keys[i], std::move(status));
  };
  std::vector<Group> groups = Plan(
      *topology_, keys.size(),
      [&](size_t i) -> absl::string_view { return keys[i]; },
      /*per_item=*/false, deadline, fail);
  RunGroups(
      groups, deadline,
      [&](const Group& group, std::string* out) {
        for (size_t c = 0; c < Commands(group); ++c) {
          AppendArrayHeader(out, 1 + group.bounds[c + 1] - group.bounds[c]);
          AppendBulk(out, "MGET");
          for (size_t j = group.bounds[c]; j < group.bounds[c + 1]; ++j) {
            AppendBulk(out, keys[group.items[j]]);
          }
        }
      },
      [&](const Group& group, size_t c, const Reply& reply) {
        const size_t begin = group.bounds[c];
        const size_t end = group.bounds[c + 1];
        Redirect redirect;
        if (ParseRedirect(reply, &redirect)) {
          for (size_t j = begin; j < end; ++j) redo.push_back(group.items[j]);
          return;
        }
        if (!reply.IsList() || reply.elements.size() != end - begin) {
          const absl::Status status =
              reply.IsError()
                  ? ErrorReplyStatus(reply, "",
                                     absl::StrCat("redis ", group.node->name()))
                  : UnexpectedReply(reply, "MGET",
                                    absl::StrCat("redis ", group.node->name()));
          for (size_t j = begin; j < end; ++j) fail(group.items[j], status);
          return;
        }
        for (size_t j = begin; j < end; ++j) {
          const Reply& value = reply.elements[j - begin];
          if (value.type == ReplyType::kBulkString) {
            result.found.insert_or_assign(keys[group.items[j]],
                                          std::string(value.text));
          }
        }
      },
      fail);
  for (const size_t i : redo) {
    absl::StatusOr<std::string> value = Get(keys[i]);
    if (value.ok()) {
      result.found.insert_or_assign(keys[i], *std::move(value));
    } else if (!absl::IsNotFound(value.status())) {
      fail(i, value.status());
    }
  }
  return result;
}

absl::StatusOr<BatchWriteResult> RedisBackend::BatchSet(
    absl::Span<const KeyValue> entries, absl::Duration ttl) {
  const absl::Time deadline = Deadline();
  const int64_t ttl_ms = TtlMillis(ttl);
  BatchWriteResult result;
  std::vector<size_t> redo;
  auto fail = [&](size_t i, absl::Status status) {
    result.failed.insert_or_assign(entries[i].key, std::move(status));
  };
  std::vector<Group> groups = Plan(
      *topology_, entries.size(),
      [&](size_t i) -> absl::string_view { return entries[i].key; },
      /*per_item=*/true, deadline, fail);
  RunGroups(
      groups, deadline,
      [&](const Group& group, std::string* out) {
        for (const size_t i : group.items) {
          AppendArrayHeader(out, ttl_ms > 0 ? 5 : 3);
          AppendBulk(out, "SET");
          AppendBulk(out, entries[i].key);
          AppendBulk(out, entries[i].value);
          if (ttl_ms > 0) {
            AppendBulk(out, "PX");
            AppendBulk(out, ttl_ms);
          }
        }
      },
      [&](const Group& group, size_t c, const Reply& reply) {
        const size_t i = group.items[c];
        Redirect redirect;
        if (ParseRedirect(reply, &redirect)) {
          redo.push_back(i);
        } else if (reply.IsError()) {
          fail(i, ErrorReplyStatus(reply, entries[i].key,
                                   absl::StrCat("redis ", group.node->name())));
        } else if (reply.type != ReplyType::kSimpleString) {
          fail(i, UnexpectedReply(reply, "SET",
                                  absl::StrCat("redis ", group.node->name())));
        }
      },
      fail);
  for (const size_t i : redo) {
    absl::Status status = Set(entries[i].key, entries[i].value, ttl);
    if (!status.ok()) fail(i, std::move(status));
  }
  return result;
}

absl::StatusOr<BatchWriteResult> RedisBackend::BatchDelete(
    absl::Span<const std::string> keys) {
  const absl::Time deadline = Deadline();
  BatchWriteResult result;
  std::vector<size_t> redo;
  auto fail = [&](size_t i, absl::Status status) {
    result.failed.insert_or_assign(keys[i], std::move(status));
  };
  std::vector<Group> groups = Plan(
      *topology_, keys.size(),
      [&](size_t i) -> absl::string_view { return keys[i]; },
      /*per_item=*/false, deadline, fail);
  RunGroups(
      groups, deadline,
      [&](const Group& group, std::string* out) {
        for (size_t c = 0; c < Commands(group); ++c) {
          AppendArrayHeader(out, 1 + group.bounds[c + 1] - group.bounds[c]);
          AppendBulk(out, "DEL");
          for (size_t j = group.bounds[c]; j < group.bounds[c + 1]; ++j) {
            AppendBulk(out, keys[group.items[j]]);
          }
        }
      },
      [&](const Group& group, size_t c, const Reply& reply) {
        Redirect redirect;
        const bool redirected = ParseRedirect(reply, &redirect);
        for (size_t j = group.bounds[c]; j < group.bounds[c + 1]; ++j) {
          const size_t i = group.items[j];
          if (redirected) {
            redo.push_back(i);
          } else if (reply.IsError()) {
            fail(i,
                 ErrorReplyStatus(reply, keys[i],
                                  absl::StrCat("redis ", group.node->name())));
          } else if (reply.type != ReplyType::kInteger) {
            fail(i,
                 UnexpectedReply(reply, "DEL",
                                 absl::StrCat("redis ", group.node->name())));
          }
        }
      },
      fail);
  for (const size_t i : redo) {
    absl::Status status = Delete(keys[i]);
    if (!status.ok()) fail(i, std::move(status));
  }
  return result;
}

}  // namespace kivi::redis
