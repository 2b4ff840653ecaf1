#pragma once
/// Helpers for integration tests: temp folders, free loopback ports, child processes, a real
/// Mosquitto broker per test, and a small synchronous MQTT client to watch and poke topics.
/// Test-only code; blocking calls with timeouts are fine here.

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>
#include <time.h>

namespace warden::harness {

using namespace std::chrono_literals;

/// A fresh folder under the system temp dir, removed on destruction (unless WARDEN_KEEP_TMP is set).
class temp_dir {
public:
    temp_dir();
    ~temp_dir();
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
    /// Writes a file inside the folder and returns its path.
    std::filesystem::path write(const std::string& name, const std::string& text) const;

private:
    std::filesystem::path path_;
};

/// The bytes of a file ("" if it cannot be read): to look for what must not be in a database file.
std::string file_bytes(const std::filesystem::path& path);

/// A TCP port on 127.0.0.1 that was free a moment ago.
int free_port();

/// A child process with stdout and stderr going to a log file.
class process {
public:
    process() = default;
    /// Starts argv[0] (a path) with extra environment variables; throws on failure.
    process(std::vector<std::string> argv, std::filesystem::path log_file,
            std::map<std::string, std::string> env = {});
    ~process();
    process(process&&) noexcept;
    process& operator=(process&&) noexcept;

    bool running();
    /// Sends a signal (SIGTERM, SIGKILL, ...).
    void signal(int sig);
    /// Waits for exit up to `timeout`; returns the exit code (128+signal if killed) or nullopt.
    std::optional<int> wait(std::chrono::milliseconds timeout = 10s);
    /// SIGTERM, wait, then SIGKILL if needed.
    void stop();
    pid_t pid() const { return pid_; }
    std::string log() const;
    const std::filesystem::path& log_file() const { return log_file_; }

private:
    pid_t pid_ = -1;
    std::optional<int> status_;
    std::filesystem::path log_file_;
};

/// Runs a program to completion with `input` on stdin; returns exit code and combined output.
struct run_result {
    int code = -1;
    std::string output;
};
run_result run(std::vector<std::string> argv, const std::string& input = {},
               std::chrono::milliseconds timeout = 30s);

/// A real Mosquitto on a free loopback port, persistence in its own folder.
class broker {
public:
    /// `extra_conf` is appended to the generated mosquitto.conf.
    explicit broker(std::string extra_conf = {});
    ~broker();
    void start();
    void stop();  ///< SIGTERM: saves persistence
    void kill();  ///< SIGKILL
    void restart() {
        stop();
        start();
    }
    int port() const { return port_; }
    pid_t pid() const { return proc_.pid(); }  ///< of the running Mosquitto
    std::string uri() const;                   ///< tcp://127.0.0.1:<port>
    std::string log() const;

private:
    temp_dir dir_;
    int port_;
    std::string extra_;
    process proc_;
};

/// How many times longer a test waits for something to happen in this run: WARDEN_TEST_TIME_SCALE
/// (whole number, 1 to 20), which `scripts/test --asan` and `--tsan` set because the sanitizers slow
/// every process several times; 1 when unset. eventually(), wait_for_port(), process::wait() and run()
/// scale their timeouts by it, so a passing test is no slower; only a wait that runs out takes longer.
/// mqtt_client::next() does not: tests use its timeout both to wait for a message and as a window in
/// which none may come, and a longer window would take in messages that rightly come after it.
int time_scale();
inline std::chrono::milliseconds scaled(std::chrono::milliseconds d) {
    return d * time_scale();
}

/// Waits until `pred` is true, polling every 10 ms; returns false on timeout (scaled by time_scale()).
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = 10s);

/// Blocks until a TCP connect to 127.0.0.1:port succeeds or the timeout passes.
bool wait_for_port(int port, std::chrono::milliseconds timeout = 10s);

/// A synchronous MQTT client for tests: subscribe, then wait for messages; publish.
class mqtt_client {
public:
    struct msg {
        std::string topic;
        std::string payload;
        bool retained = false;
    };
    explicit mqtt_client(const std::string& uri, std::string client_id = {});
    ~mqtt_client();
    void subscribe(const std::string& filter, int qos = 1);
    void publish(const std::string& topic, const std::string& payload, int qos = 1, bool retained = false);
    /// The next message whose topic matches `topic_filter` (MQTT wildcards); nullopt on timeout.
    std::optional<msg> next(const std::string& topic_filter = "#", std::chrono::milliseconds timeout = 10s);
    /// Every message received so far (and not taken by next()).
    std::vector<msg> drain();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

/// How many times `what` occurs in `text` (overlapping counts too): log lines that must appear once.
inline std::size_t occurrences(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
    return n;
}

/// True if an MQTT topic matches a filter with + and # wildcards.
bool topic_matches(const std::string& filter, const std::string& topic);

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout) {
    auto until = std::chrono::steady_clock::now() + scaled(timeout);
    while (std::chrono::steady_clock::now() < until) {
        if (pred()) return true;
        struct timespec ts {
            0, 10'000'000
        };
        nanosleep(&ts, nullptr);
    }
    return pred();
}

}  // namespace warden::harness
