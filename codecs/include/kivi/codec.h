#ifndef KIVI_CODEC_H_
#define KIVI_CODEC_H_

#include <concepts>
#include <string>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace kivi {

// A codec turns values of one type into the bytes a Client stores and back.
// A type C is a Codec for T when, for `const C& c`:
//
//   - it has a name, either `static constexpr absl::string_view kName` or
//     `absl::string_view name() const` (for codecs whose name depends on
//     their configuration, like Compressed<Inner>). Error messages use it.
//   - `c.Encode(const T&)` returns `std::string` when encoding cannot fail,
//     or `absl::StatusOr<std::string>` when it can (InvalidArgument naming
//     the codec and the reason: the value has no representation).
//   - `c.Decode(absl::string_view)` returns `absl::StatusOr<T>`. Bytes the
//     codec did not produce are DataLoss naming the codec and the reason
//     (see CodecDecodeError); Decode never throws.
//
// Codecs are immutable values: calling Encode/Decode concurrently on one
// codec from many threads is safe. The codecs in kivi/codecs/ also declare
// `using value_type = T`, which wrappers such as Compressed<Inner> use.
template <typename C>
concept HasStaticCodecName = requires {
  requires std::convertible_to<decltype(C::kName), absl::string_view>;
};
template <typename C>
concept HasCodecNameAccessor = requires(const C& codec) {
  requires std::convertible_to<decltype(codec.name()), absl::string_view>;
};
template <typename C>
concept NamedCodec = HasStaticCodecName<C> || HasCodecNameAccessor<C>;

// What a codec's Encode may return.
template <typename R>
concept EncodeResult = std::same_as<R, std::string> ||
    std::same_as<R, absl::StatusOr<std::string>>;

template <typename C, typename T>
concept Codec = NamedCodec<C> &&
    requires(const C& codec, const T& value, absl::string_view bytes) {
  requires EncodeResult<std::remove_cvref_t<decltype(codec.Encode(value))>>;
  requires std::same_as<decltype(codec.Decode(bytes)), absl::StatusOr<T>>;
};

// Returns the name of `codec`, whichever way it declares it.
template <NamedCodec C>
absl::string_view CodecName(const C& codec) {
  if constexpr (HasCodecNameAccessor<C>) {
    return codec.name();
  } else {
    return C::kName;
  }
}

// Encodes `value` with `codec`, as a StatusOr whether or not the codec's
// Encode can fail.
template <typename T, Codec<T> C>
absl::StatusOr<std::string> EncodeWith(const C& codec, const T& value) {
  return codec.Encode(value);
}

// The error a codec's Decode returns for bytes it cannot decode:
// DataLoss "<codec> codec: <why>".
absl::Status CodecDecodeError(absl::string_view codec, absl::string_view why);

// The error a codec's Encode returns for a value it cannot represent:
// InvalidArgument "<codec> codec: <why>".
absl::Status CodecEncodeError(absl::string_view codec, absl::string_view why);

}  // namespace kivi

#endif  // KIVI_CODEC_H_
