#include "src/early_token_check.h"

#include <grpc/grpc.h>
#include <grpc/grpc_security.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "grpcpp/security/server_credentials.h"

namespace kivi {
namespace {

// The methods that need the token: every kivi.v1.KeyValue method.
constexpr absl::string_view kGuardedPrefix = "/kivi.v1.KeyValue/";

absl::string_view View(const grpc_slice& slice) {
  return absl::string_view(
      reinterpret_cast<const char*>(GRPC_SLICE_START_PTR(slice)),
      GRPC_SLICE_LENGTH(slice));
}

// gRPC calls this with the call's headers (":path" among them) before the
// call reaches a service; `done` admits or refuses it.
void Process(void* state, grpc_auth_context*, const grpc_metadata* md,
             size_t num_md, grpc_process_auth_metadata_done_cb done,
             void* user_data) {
  const auto& auth = *static_cast<const BearerTokenAuth*>(state);
  bool guarded = false;
  bool has_token = false;
  absl::string_view token;
  for (size_t i = 0; i < num_md; ++i) {
    const absl::string_view key = View(md[i].key);
    if (key == ":path") {
      guarded = absl::StartsWith(View(md[i].value), kGuardedPrefix);
    } else if (key == "authorization" && !has_token) {
      token = View(md[i].value);
      has_token = true;
    }
  }
  const grpc::Status verdict =
      guarded ? auth.AdmitHeader(has_token ? &token : nullptr)
              : grpc::Status::OK;
  if (verdict.ok()) {
    done(user_data, nullptr, 0, nullptr, 0, GRPC_STATUS_OK, nullptr);
    return;
  }
  done(user_data, nullptr, 0, nullptr, 0,
       static_cast<grpc_status_code>(verdict.error_code()),
       verdict.error_message().c_str());
}

void Destroy(void* state) { delete static_cast<BearerTokenAuth*>(state); }

class EarlyTokenCheckCredentials final : public grpc::ServerCredentials {
 public:
  // The base class has initialised gRPC by the time make_core runs.
  EarlyTokenCheckCredentials(
      const std::function<grpc_server_credentials*()>& make_core,
      const BearerTokenAuth& auth)
      : core_(make_core()) {
    if (!auth.enabled()) return;
    grpc_auth_metadata_processor processor;
    processor.process = Process;
    processor.destroy = Destroy;
    processor.state = new BearerTokenAuth(auth);
    grpc_server_credentials_set_auth_metadata_processor(core_, processor);
  }
  ~EarlyTokenCheckCredentials() override {
    grpc_server_credentials_release(core_);
  }

  // The token check is this class's processor; another would replace it.
  void SetAuthMetadataProcessor(
      const std::shared_ptr<grpc::AuthMetadataProcessor>&) override {}

 private:
  int AddPortToServer(const std::string& addr, grpc_server* server) override {
    return grpc_server_add_http2_port(server, addr.c_str(), core_);
  }

  grpc_server_credentials* const core_;
};

}  // namespace

std::shared_ptr<grpc::ServerCredentials> WithEarlyTokenCheck(
    const std::function<grpc_server_credentials*()>& make_core,
    const BearerTokenAuth& auth) {
  return std::make_shared<EarlyTokenCheckCredentials>(make_core, auth);
}

}  // namespace kivi
