#ifndef KIVI_TYPED_H_
#define KIVI_TYPED_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "kivi/client.h"
#include "kivi/codec.h"
#include "kivi/codecs/default_codec.h"
#include "kivi/options.h"
#include "kivi/results.h"

namespace kivi {

// The outcome of Typed<T>::BatchGet, shaped like BatchGetResult: every
// requested key is in `found` (a hit that decoded), in `failed` (its server
// failed, or its value did not decode: DataLoss), or in neither (a miss).
template <typename T>
struct TypedBatchGetResult {
  absl::flat_hash_map<std::string, T> found;
  absl::flat_hash_map<std::string, absl::Status> failed;
};

// A decoded value with its version; see VersionedValue.
template <typename T>
struct TypedVersionedValue {
  T value;
  uint64_t version = 0;
};

namespace codec_internal {

// DataLoss for a stored value under `key` that `codec` could not decode.
// The message names the key and the codec, then gives the codec's reason.
absl::Status TypedDecodeError(absl::string_view key, absl::string_view codec,
                              const absl::Status& codec_status);

// The codec's encode error, with the key named; the code is kept.
absl::Status TypedEncodeError(absl::string_view key, absl::string_view codec,
                              const absl::Status& codec_status);

}  // namespace codec_internal

// A typed view of a Client: values of T go through a codec on their way to
// and from the store. Operations and their errors are the Client's (see
// kivi/client.h), plus:
//   - a value the codec cannot encode fails the call before any I/O, with
//     the codec's error (InvalidArgument) naming the key;
//   - a stored value the codec cannot decode is DataLoss naming the key and
//     the codec; it is never reported as a miss.
//
//   kivi::Typed<User> users(kv);                  // codec: DefaultCodec<User>
//   kivi::Typed<User, kivi::JsonCodec<User>> u2(kv);
//   kivi::Typed<Report, kivi::Compressed<kivi::JsonCodec<Report>>> reports(
//       kv, kivi::Compressed<kivi::JsonCodec<Report>>({.threshold = 512}));
//
// A Typed does not own the client, which must outlive it. It is cheap to
// copy, and as thread-safe as the client: its methods may be called
// concurrently from many threads.
template <typename T, typename C = DefaultCodec<T>>
requires Codec<C, T>
class Typed {
 public:
  // Produces the value GetOrSet stores on a miss.
  using Loader = absl::FunctionRef<absl::StatusOr<T>()>;

  explicit Typed(Client& client, C codec = C())
      : client_(&client), codec_(std::move(codec)) {}

  // Encodes `value` and stores it under `key`, replacing any previous value.
  absl::Status Set(absl::string_view key, const T& value,
                   const SetOptions& options = {}) const {
    absl::StatusOr<std::string> bytes = Encode(key, value);
    if (!bytes.ok()) return bytes.status();
    return client_->Set(key, *bytes, options);
  }

  // Returns the decoded value under `key`; NotFound on a miss, DataLoss when
  // the stored bytes do not decode.
  absl::StatusOr<T> Get(absl::string_view key) const {
    absl::StatusOr<std::string> bytes = client_->Get(key);
    if (!bytes.ok()) return bytes.status();
    return Decode(key, *bytes);
  }

  // Removes `key`; OK whether or not it was present.
  absl::Status Delete(absl::string_view key) const {
    return client_->Delete(key);
  }

  // Stores only if `key` is absent; AlreadyExists otherwise. [add]
  absl::Status Add(absl::string_view key, const T& value,
                   const SetOptions& options = {}) const {
    absl::StatusOr<std::string> bytes = Encode(key, value);
    if (!bytes.ok()) return bytes.status();
    return client_->Add(key, *bytes, options);
  }

  // Stores only if `key` is present; NotFound otherwise. [replace]
  absl::Status Replace(absl::string_view key, const T& value,
                       const SetOptions& options = {}) const {
    absl::StatusOr<std::string> bytes = Encode(key, value);
    if (!bytes.ok()) return bytes.status();
    return client_->Replace(key, *bytes, options);
  }

  // Cache-aside through Client::GetOrSet, so with its single-flight: on a
  // hit returns the decoded value; on a miss calls `loader`, stores its
  // encoded value with `ttl` (zero: default TTL) and returns it. A loader
  // error, or a loaded value the codec cannot encode, is returned to every
  // waiter and nothing is stored. A hit that does not decode is DataLoss;
  // the loader is not called for it.
  absl::StatusOr<T> GetOrSet(absl::string_view key, absl::Duration ttl,
                             Loader loader) const {
    // The loader's own value is returned as is rather than re-decoded: the
    // caller that loaded gets exactly what it produced.
    std::optional<T> loaded;
    absl::StatusOr<std::string> bytes =
        client_->GetOrSet(key, ttl, [&]() -> absl::StatusOr<std::string> {
          absl::StatusOr<T> value = loader();
          if (!value.ok()) return value.status();
          absl::StatusOr<std::string> encoded = Encode(key, *value);
          if (encoded.ok()) loaded = *std::move(value);
          return encoded;
        });
    if (!bytes.ok()) return bytes.status();
    if (loaded.has_value()) return *std::move(loaded);
    return Decode(key, *bytes);
  }

  // Gets and decodes many keys; see TypedBatchGetResult. Fails as a whole
  // only as Client::BatchGet does (e.g. an invalid key).
  absl::StatusOr<TypedBatchGetResult<T>> BatchGet(
      absl::Span<const std::string> keys) const {
    absl::StatusOr<BatchGetResult> raw = client_->BatchGet(keys);
    if (!raw.ok()) return raw.status();
    TypedBatchGetResult<T> result;
    result.failed = std::move(raw->failed);
    result.found.reserve(raw->found.size());
    for (auto& [key, bytes] : raw->found) {
      absl::StatusOr<T> value = Decode(key, bytes);
      if (value.ok()) {
        result.found.emplace(key, *std::move(value));
      } else {
        result.failed.emplace(key, value.status());
      }
    }
    return result;
  }

  // Encodes and stores many pairs, as Client::BatchSet. A value the codec
  // cannot encode fails the whole batch before any I/O.
  absl::StatusOr<BatchWriteResult> BatchSet(
      absl::Span<const std::pair<std::string, T>> entries,
      const SetOptions& options = {}) const {
    std::vector<KeyValue> encoded;
    encoded.reserve(entries.size());
    for (const auto& [key, value] : entries) {
      absl::StatusOr<std::string> bytes = Encode(key, value);
      if (!bytes.ok()) return bytes.status();
      encoded.push_back(KeyValue{key, *std::move(bytes)});
    }
    return client_->BatchSet(encoded, options);
  }

  // Returns the decoded value and its version; NotFound on a miss, DataLoss
  // when the value does not decode. [compare_and_set]
  absl::StatusOr<TypedVersionedValue<T>> GetVersioned(
      absl::string_view key) const {
    absl::StatusOr<VersionedValue> raw = client_->GetVersioned(key);
    if (!raw.ok()) return raw.status();
    absl::StatusOr<T> value = Decode(key, raw->value);
    if (!value.ok()) return value.status();
    return TypedVersionedValue<T>{*std::move(value), raw->version};
  }

  // Stores `value` only if the key's version is still `version`: Aborted if
  // it changed, NotFound if the key is gone. [compare_and_set]
  absl::Status CompareAndSet(absl::string_view key, const T& value,
                             uint64_t version,
                             const SetOptions& options = {}) const {
    absl::StatusOr<std::string> bytes = Encode(key, value);
    if (!bytes.ok()) return bytes.status();
    return client_->CompareAndSet(key, *bytes, version, options);
  }

  Client& client() const { return *client_; }
  const C& codec() const { return codec_; }

 private:
  absl::StatusOr<std::string> Encode(absl::string_view key,
                                     const T& value) const {
    absl::StatusOr<std::string> bytes = EncodeWith(codec_, value);
    if (!bytes.ok()) {
      return codec_internal::TypedEncodeError(key, CodecName(codec_),
                                              bytes.status());
    }
    return bytes;
  }

  absl::StatusOr<T> Decode(absl::string_view key,
                           absl::string_view bytes) const {
    absl::StatusOr<T> value = codec_.Decode(bytes);
    if (!value.ok()) {
      return codec_internal::TypedDecodeError(key, CodecName(codec_),
                                              value.status());
    }
    return value;
  }

  Client* client_;
  C codec_;
};

}  // namespace kivi

#endif  // KIVI_TYPED_H_
