// The enrollment use case's registration_verifier port on verify_registration.
#pragma once

#include "asistencia/application/enrollment/ports.hpp"
#include "asistencia/infra/webauthn/registration.hpp"

namespace asistencia::infra::webauthn {

class enrollment_verifier final : public application::enrollment::registration_verifier {
public:
    explicit enrollment_verifier(registration_policy policy) : policy_(std::move(policy)) {}

    std::variant<application::enrollment::verified_registration, application::enrollment::registration_refused> verify(
        const application::enrollment::registration_to_verify& input) const override;

private:
    registration_policy policy_;
};

} // namespace asistencia::infra::webauthn
