// What black-box tests and benchmarks need to run the server binary as a child process: a
// free loopback port and a spawn with this process's environment plus overrides. No
// GoogleTest here, so bench/validate/validate_load.cpp uses it too (server_process.hpp adds
// the tests' output drain and sanitizer check). Header-only.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <spawn.h>
#include <unistd.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

extern char** environ;

namespace test_support {

// A port nobody listens on right now (the kernel's pick, released at once).
inline std::uint16_t free_port() {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();
}

// This process's environment with `overrides` replacing or adding variables.
inline std::vector<std::string> environment_with(const std::map<std::string, std::string>& overrides) {
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
        std::string kv(*e);
        if (!overrides.contains(kv.substr(0, kv.find('=')))) env.push_back(kv);
    }
    for (const auto& [k, v] : overrides) env.push_back(k + "=" + v);
    return env;
}

// Starts argv[0] (a path) with environment_with(overrides), its stdout and stderr on
// `output_fd`; the child's pid, or -1 when it could not start.
inline pid_t spawn_process(std::vector<std::string> args, const std::map<std::string, std::string>& overrides,
                           int output_fd) {
    auto env_strings = environment_with(overrides);
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);

    pid_t pid = -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, output_fd, STDERR_FILENO);
    posix_spawn_file_actions_adddup2(&fa, output_fd, STDOUT_FILENO);
    // posix_spawnp: a wrapper (taskset, valgrind) is found on PATH; absolute paths are as given.
    if (posix_spawnp(&pid, argv[0], &fa, nullptr, argv.data(), envp.data()) != 0) pid = -1;
    posix_spawn_file_actions_destroy(&fa);
    return pid;
}

} // namespace test_support
