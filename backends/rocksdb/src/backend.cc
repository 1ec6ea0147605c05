#include "backends/rocksdb/src/backend.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "backends/rocksdb/src/status.h"
#include "kivi/key_rules.h"
#include "kivi/status_macros.h"
#include "rocksdb/iterator.h"
#include "rocksdb/slice.h"
#include "rocksdb/write_batch.h"

namespace kivi::rocksdb_internal {
namespace {

absl::string_view View(const rocksdb::Slice& slice) {
  return absl::string_view(slice.data(), slice.size());
}

rocksdb::Slice ToSlice(absl::string_view view) {
  return rocksdb::Slice(view.data(), view.size());
}

}  // namespace

absl::Status KeyNotFound(absl::string_view key) {
  return absl::NotFoundError(absl::StrCat("key ", QuoteKey(key), " not found"));
}

RocksDbBackend::RocksDbBackend(std::shared_ptr<Database> database,
                               const RocksDbOptions& options)
    : database_(std::move(database)), db_(database_->db()), options_(options) {
  write_.sync = options.sync;
}

Capabilities RocksDbBackend::capabilities() const {
  Capabilities capabilities = Capabilities::All();
  capabilities.ttl_resolution = absl::Milliseconds(1);
  return capabilities;
}

std::string RocksDbBackend::KeyContext(absl::string_view key) const {
  return absl::StrCat("rocksdb ", database_->path(), ": key ", QuoteKey(key));
}

std::string RocksDbBackend::Endpoint() const {
  return absl::StrCat("rocksdb:", database_->path());
}

absl::Status RocksDbBackend::ReadEntry(absl::string_view key,
                                       EntryHeader* header,
                                       std::string* value) {
  // Read straight into the caller's string and drop the header in place:
  // one allocation, where a PinnableSlice and a copy would make two.
  std::string local;
  std::string& stored = value != nullptr ? *value : local;
  rocksdb::Status status = db_.Get(read_, ToSlice(key), &stored);
  if (status.IsNotFound()) return KeyNotFound(key);
  KIVI_RETURN_IF_ERROR(FromRocksDb(status, [&] { return KeyContext(key); }));
  if (!DecodeHeader(stored, header)) {
    return absl::DataLossError(
        absl::StrCat(KeyContext(key), " holds ", stored.size(),
                     " bytes that are not a kivi entry (no format-1 header)"));
  }
  if (!header->LiveNow()) return KeyNotFound(key);
  stored.erase(0, kHeaderBytes);
  return absl::OkStatus();
}

absl::Status RocksDbBackend::WriteEntry(absl::string_view key,
                                        const EntryHeader& header,
                                        absl::string_view value) {
  // One buffer: the batch's own, with the header and value as two parts.
  char head[kHeaderBytes];
  EncodeHeader(header, head);
  rocksdb::WriteBatch batch(key.size() + kHeaderBytes + value.size() + 32);
  const rocksdb::Slice key_slice = ToSlice(key);
  const rocksdb::Slice parts[] = {rocksdb::Slice(head, kHeaderBytes),
                                  ToSlice(value)};
  rocksdb::Status status =
      batch.Put(db_.DefaultColumnFamily(), rocksdb::SliceParts(&key_slice, 1),
                rocksdb::SliceParts(parts, 2));
  if (status.ok()) status = db_.Write(write_, &batch);
  return FromRocksDb(status, [&] { return KeyContext(key); });
}

absl::StatusOr<std::string> RocksDbBackend::Get(absl::string_view key) {
  KIVI_RETURN_IF_ERROR(database_->ApplyDueFlush(write_));
  EntryHeader header;
  std::string value;
  KIVI_RETURN_IF_ERROR(ReadEntry(key, &header, &value));
  return value;
}

absl::Status RocksDbBackend::Set(absl::string_view key, absl::string_view value,
                                 absl::Duration ttl) {
  KIVI_RETURN_IF_ERROR(database_->ApplyDueFlush(write_));
  const EntryHeader header = NewHeader(ttl);
  absl::MutexLock lock(&database_->StripeOf(key));
  return WriteEntry(key, header, value);
}

absl::Status RocksDbBackend::Delete(absl::string_view key) {
  KIVI_RETURN_IF_ERROR(database_->ApplyDueFlush(write_));
  absl::MutexLock lock(&database_->StripeOf(key));
  return FromRocksDb(db_.Delete(write_, ToSlice(key)),
                     [&] { return KeyContext(key); });
}

absl::StatusOr<std::vector<std::string>> RocksDbBackend::List(
    absl::string_view prefix) {
  KIVI_RETURN_IF_ERROR(database_->ApplyDueFlush(write_));
  const uint64_t now_ms = NowMs();
  std::vector<std::string> keys;
  std::unique_ptr<rocksdb::Iterator> it(db_.NewIterator(read_));
  for (it->Seek(ToSlice(prefix));
       it->Valid() && absl::StartsWith(View(it->key()), prefix); it->Next()) {
    if (it->key() == Database::PendingFlushKey()) continue;
    EntryHeader header;
    // Foreign values are listed: Get reports them as DataLoss.
    if (DecodeHeader(View(it->value()), &header) && !header.LiveAt(now_ms)) {
      continue;
    }
    keys.emplace_back(View(it->key()));
  }
  KIVI_RETURN_IF_ERROR(FromRocksDb(it->status(), [&] {
    return absl::StrCat("rocksdb ", database_->path(), ": list of prefix ",
                        QuoteKey(prefix));
  }));
  return keys;
}

absl::StatusOr<BatchGetResult> RocksDbBackend::BatchGet(
    absl::Span<const std::string> keys) {
  KIVI_RETURN_IF_ERROR(database_->ApplyDueFlush(write_));
  const size_t n = keys.size();
  std::vector<rocksdb::Slice> slices;
  slices.reserve(n);
  for (const std::string& key : keys) slices.emplace_back(key);
  std::vector<rocksdb::PinnableSlice> values(n);
  std::vector<rocksdb::Status> statuses(n);
  db_.MultiGet(read_, db_.DefaultColumnFamily(), n, slices.data(),
               values.data(), statuses.data());
  uint64_t now_ms = 0;  // Read once, when the first entry with a TTL needs it.
  BatchGetResult result;
  result.found.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    if (statuses[i].IsNotFound()) continue;
    if (!statuses[i].ok()) {
      result.failed.emplace(keys[i], FromRocksDb(statuses[i], [&] {
                              return KeyContext(keys[i]);
                            }));
      continue;
    }
    EntryHeader header;
    if (!DecodeHeader(View(values[i]), &header)) {
      result.failed.emplace(
          keys[i], absl::DataLossError(absl::StrCat(KeyContext(keys[i]),
                                                    " is not a kivi entry")));
      continue;
    }
    if (header.expiry_ms != 0) {
      if (now_ms == 0) now_ms = NowMs();
      if (!header.LiveAt(now_ms)) continue;
    }
    result.found.try_emplace(keys[i], values[i].data() + kHeaderBytes,
                             values[i].size() - kHeaderBytes);
  }
  return result;
}

absl::StatusOr<BatchWriteResult> RocksDbBackend::BatchSet(
    absl::Span<const KeyValue> entries, absl::Duration ttl) {
  KIVI_RETURN_IF_ERROR(database_->ApplyDueFlush(write_));
  const uint64_t expiry_ms = ExpiryMs(absl::Now(), ttl);
  rocksdb::WriteBatch batch;
  std::vector<size_t> stripes;
  stripes.reserve(entries.size());
  for (const KeyValue& entry : entries) {
    char head[kHeaderBytes];
    EncodeHeader({.expiry_ms = expiry_ms, .version = database_->NextVersion()},
                 head);
    const rocksdb::Slice key = ToSlice(entry.key);
    const rocksdb::Slice parts[] = {rocksdb::Slice(head, kHeaderBytes),
                                    ToSlice(entry.value)};
    rocksdb::Status status =
        batch.Put(db_.DefaultColumnFamily(), rocksdb::SliceParts(&key, 1),
                  rocksdb::SliceParts(parts, 2));
    if (!status.ok())
      return FromRocksDb(status, [&] { return KeyContext(entry.key); });
    stripes.push_back(Database::StripeIndex(entry.key));
  }
  absl::Status status;
  {
    StripeLocks locks(*database_, std::move(stripes));
    status = FromRocksDb(db_.Write(write_, &batch), [&] {
      return absl::StrCat("rocksdb ", database_->path(), ": batch of ",
                          entries.size(), " writes");
    });
  }
  BatchWriteResult result;
  if (!status.ok()) {
    for (const KeyValue& entry : entries)
      result.failed.emplace(entry.key, status);
  }
  return result;
}

absl::StatusOr<BatchWriteResult> RocksDbBackend::BatchDelete(
    absl::Span<const std::string> keys) {
  KIVI_RETURN_IF_ERROR(database_->ApplyDueFlush(write_));
  rocksdb::WriteBatch batch;
  std::vector<size_t> stripes;
  stripes.reserve(keys.size());
  for (const std::string& key : keys) {
    rocksdb::Status status = batch.Delete(key);
    if (!status.ok())
      return FromRocksDb(status, [&] { return KeyContext(key); });
    stripes.push_back(Database::StripeIndex(key));
  }
  absl::Status status;
  {
    StripeLocks locks(*database_, std::move(stripes));
    status = FromRocksDb(db_.Write(write_, &batch), [&] {
      return absl::StrCat("rocksdb ", database_->path(), ": batch of ",
                          keys.size(), " deletes");
    });
  }
  BatchWriteResult result;
  if (!status.ok()) {
    for (const std::string& key : keys) result.failed.emplace(key, status);
  }
  return result;
}

}  // namespace kivi::rocksdb_internal

namespace kivi {

absl::StatusOr<std::unique_ptr<Backend>> NewRocksDbBackend(
    const RocksDbOptions& options) {
  if (options.path.empty() || options.path[0] != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("rocksdb path \"", options.path,
                     "\" is not absolute; e.g. rocksdb:///var/lib/kivi"));
  }
  KIVI_ASSIGN_OR_RETURN(std::shared_ptr<rocksdb_internal::Database> database,
                        rocksdb_internal::Database::Open(options));
  return std::unique_ptr<Backend>(
      new rocksdb_internal::RocksDbBackend(std::move(database), options));
}

}  // namespace kivi
