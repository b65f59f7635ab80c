// The class join's assertion_verifier port on verify_assertion (PROTOCOL.md 6.2).
#pragma once

#include "asistencia/application/attendance/rounds.hpp"
#include "asistencia/infra/webauthn/assertion.hpp"

namespace asistencia::infra::webauthn {

class join_verifier final : public application::attendance::assertion_verifier {
public:
    explicit join_verifier(assertion_policy policy) : policy_(std::move(policy)) {}
    std::variant<application::attendance::verified_assertion, application::attendance::assertion_refused> verify(
        const application::attendance::assertion_to_verify& a) const override;

private:
    assertion_policy policy_;
};

// The COSE algorithm of a stored SPKI PEM key (the devices table keeps no algorithm
// column): -7 for EC P-256, -257 for RSA, -8 for Ed25519; 0 when unreadable.
int cose_algorithm_of_pem(const std::string& pem);

} // namespace asistencia::infra::webauthn
