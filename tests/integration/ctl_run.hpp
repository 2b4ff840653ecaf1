#pragma once
// Shared by warden-ctl's integration tests: run a program with stdout and stderr kept apart.

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace warden::ctl_test {

struct result {
    int code = -1;
    std::string out;  ///< stdout
    std::string err;  ///< stderr
    std::string all() const { return "--- stdout\n" + out + "--- stderr\n" + err; }
};

/// `s` with the first `from` replaced by `to`: a shipped config (deploy/) rewritten for a test's ports
/// and paths. A `from` the file no longer has fails the test, so the test keeps testing the shipped file.
inline std::string replace_once(std::string s, const std::string& from, const std::string& to) {
    auto pos = s.find(from);
    EXPECT_NE(pos, std::string::npos) << "the shipped config no longer has: " << from;
    if (pos != std::string::npos) s.replace(pos, from.size(), to);
    return s;
}

inline std::string read_all(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/// Runs argv (argv[0] a path) to completion, killing it after `timeout`; stdout and stderr are captured
/// through files in `dir`. `in_child`, if given, runs in the child just before exec (limits, signals).
inline result run(const std::vector<std::string>& argv, const std::filesystem::path& dir,
                  std::chrono::milliseconds timeout = std::chrono::seconds(30),
                  const std::function<void()>& in_child = {}) {
    static int counter = 0;
    auto out_file = dir / ("run-" + std::to_string(++counter) + ".out");
    auto err_file = dir / ("run-" + std::to_string(counter) + ".err");
    pid_t pid = fork();
    if (pid == 0) {
        int o = open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int n = open("/dev/null", O_RDONLY);
        dup2(n, 0);
        dup2(o, 1);
        dup2(e, 2);
        if (in_child) in_child();
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execv(args[0], args.data());
        _exit(127);
    }
    result r;
    auto until = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    while (true) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid) break;
        if (std::chrono::steady_clock::now() > until) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            r.code = -9;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (r.code != -9) r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = read_all(out_file);
    r.err = read_all(err_file);
    return r;
}

}  // namespace warden::ctl_test
