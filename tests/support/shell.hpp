// Shell commands from tests and benchmarks (the stack's scripts/svc, psql, valkey-cli,
// pgbench): their exit status and output. Header-only, no GoogleTest, so the benchmarks
// use it too.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <stdexcept>
#include <string>

namespace test_support {

struct command_result {
    int status = -1;    // exit status; -1 when the command did not run or was killed
    std::string output; // its stdout as written (append 2>&1 for stderr too)
};

inline command_result run_command(const std::string& cmd) {
    command_result r;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (p == nullptr) return r;
    char buf[4096];
    while (std::fgets(buf, sizeof buf, p) != nullptr) r.output += buf;
    const int status = ::pclose(p);
    r.status = status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

// What the command printed, without the trailing newlines; its exit status is not looked at.
inline std::string shell(const std::string& cmd) {
    std::string out = run_command(cmd).output;
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

// The same, for a command that must succeed: throws when it exits non-zero.
inline std::string shell_or_throw(const std::string& cmd) {
    auto r = run_command(cmd);
    if (r.status != 0) throw std::runtime_error("failed: " + cmd);
    while (!r.output.empty() && r.output.back() == '\n') r.output.pop_back();
    return r.output;
}

} // namespace test_support
