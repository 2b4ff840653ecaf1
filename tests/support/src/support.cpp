#include "warden/harness/harness.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <mqtt/async_client.h>

namespace warden::harness {
namespace fs = std::filesystem;

int time_scale() {
    static const int scale = [] {
        const char* v = std::getenv("WARDEN_TEST_TIME_SCALE");
        if (v == nullptr || *v == '\0') return 1;
        char* end = nullptr;
        long n = std::strtol(v, &end, 10);
        if (*end != '\0' || n < 1 || n > 20)
            throw std::runtime_error(
                std::string("WARDEN_TEST_TIME_SCALE must be a whole number from 1 to 20, not '") + v + "'");
        return static_cast<int>(n);
    }();
    return scale;
}

temp_dir::temp_dir() {
    std::random_device rd;
    for (int i = 0; i < 100; ++i) {
        auto p = fs::temp_directory_path() / ("warden-test-" + std::to_string(rd()));
        if (fs::create_directory(p)) {
            path_ = p;
            return;
        }
    }
    throw std::runtime_error("cannot create a temp dir");
}

temp_dir::~temp_dir() {
    if (std::getenv("WARDEN_KEEP_TMP")) return;
    std::error_code ec;
    fs::remove_all(path_, ec);
}

fs::path temp_dir::write(const std::string& name, const std::string& text) const {
    auto p = path_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p;
}

std::string file_bytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

int free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        throw std::runtime_error("cannot bind a free port");
    }
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
}

bool wait_for_port(int port, std::chrono::milliseconds timeout) {
    return eventually(
        [port] {
            int fd = ::socket(AF_INET, SOCK_STREAM, 0);
            sockaddr_in addr{};
            addr.sin_family = AF_INET;
            addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            addr.sin_port = htons(static_cast<uint16_t>(port));
            bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
            ::close(fd);
            return ok;
        },
        timeout);
}

namespace {

pid_t spawn(const std::vector<std::string>& argv, const fs::path& log,
            const std::map<std::string, std::string>& env, int stdin_fd) {
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (out >= 0) {
            ::dup2(out, 1);
            ::dup2(out, 2);
        }
        if (stdin_fd >= 0) {
            ::dup2(stdin_fd, 0);
        } else {
            int devnull = ::open("/dev/null", O_RDONLY);
            ::dup2(devnull, 0);
        }
        for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        ::execvp(args[0], args.data());
        ::_exit(127);
    }
    return pid;
}

int decode_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

}  // namespace

process::process(std::vector<std::string> argv, fs::path log_file, std::map<std::string, std::string> env)
    : log_file_(std::move(log_file)) {
    pid_ = spawn(argv, log_file_, env, -1);
}

process::~process() {
    if (pid_ > 0 && !status_) stop();
}

process::process(process&& o) noexcept : pid_(o.pid_), status_(o.status_), log_file_(std::move(o.log_file_)) {
    o.pid_ = -1;
}

process& process::operator=(process&& o) noexcept {
    if (this != &o) {
        if (pid_ > 0 && !status_) stop();
        pid_ = o.pid_;
        status_ = o.status_;
        log_file_ = std::move(o.log_file_);
        o.pid_ = -1;
    }
    return *this;
}

bool process::running() {
    if (pid_ <= 0 || status_) return false;
    int st = 0;
    pid_t r = ::waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
        status_ = decode_status(st);
        return false;
    }
    return true;
}

void process::signal(int sig) {
    if (running()) ::kill(pid_, sig);
}

std::optional<int> process::wait(std::chrono::milliseconds timeout) {
    if (pid_ <= 0) return status_;
    eventually([this] { return !running(); }, timeout);
    return status_;
}

void process::stop() {
    if (!running()) return;
    signal(SIGTERM);
    if (!wait(10s)) {
        signal(SIGKILL);
        wait(5s);
    }
}

std::string process::log() const {
    std::ifstream in(log_file_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

run_result run(std::vector<std::string> argv, const std::string& input, std::chrono::milliseconds timeout) {
    temp_dir dir;
    auto in_path = dir.write("stdin", input);
    auto log = dir / "out";
    int in_fd = ::open(in_path.c_str(), O_RDONLY);
    pid_t pid = spawn(argv, log, {}, in_fd);
    ::close(in_fd);
    run_result r;
    auto until = std::chrono::steady_clock::now() + scaled(timeout);
    int st = 0;
    while (true) {
        pid_t w = ::waitpid(pid, &st, WNOHANG);
        if (w == pid) {
            r.code = decode_status(st);
            break;
        }
        if (std::chrono::steady_clock::now() > until) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &st, 0);
            r.code = -1;
            break;
        }
        std::this_thread::sleep_for(5ms);
    }
    std::ifstream out(log);
    std::stringstream ss;
    ss << out.rdbuf();
    r.output = ss.str();
    return r;
}

broker::broker(std::string extra_conf) : port_(free_port()), extra_(std::move(extra_conf)) {
    start();
}

broker::~broker() {
    kill();
}

void broker::start() {
    auto conf =
        dir_.write("mosquitto.conf", "listener " + std::to_string(port_) + " 127.0.0.1\n" +
                                         "allow_anonymous true\n"
                                         "persistence true\n"
                                         "persistence_location " +
                                         dir_.path().string() +
                                         "/\n"
                                         "autosave_interval 1\n"
                                         "max_queued_messages 100000\n"
                                         "log_dest stderr\n"
                                         "log_type error\nlog_type warning\nlog_type notice\n" +
                                         // As root, Mosquitto would switch to user mosquitto and could not
                                         // save its persistence in this root-owned folder: stay who we are.
                                         (::geteuid() == 0 ? "user root\n" : "") + extra_ + "\n");
    proc_ = process({"/usr/sbin/mosquitto", "-c", conf.string()}, dir_ / "mosquitto.log");
    if (!wait_for_port(port_, 10s)) throw std::runtime_error("mosquitto did not start: " + log());
}

void broker::stop() {
    proc_.stop();
}

void broker::kill() {
    proc_.signal(SIGKILL);
    proc_.wait(5s);
}

std::string broker::uri() const {
    return "tcp://127.0.0.1:" + std::to_string(port_);
}

std::string broker::log() const {
    return proc_.log();
}

bool topic_matches(const std::string& filter, const std::string& topic) {
    std::size_t f = 0, t = 0;
    while (f < filter.size()) {
        auto fend = filter.find('/', f);
        if (fend == std::string::npos) fend = filter.size();
        auto level = filter.substr(f, fend - f);
        if (level == "#") return true;
        if (t > topic.size()) return false;
        auto tend = topic.find('/', t);
        if (tend == std::string::npos) tend = topic.size();
        if (level != "+" && level != topic.substr(t, tend - t)) return false;
        f = fend + 1;
        t = tend + 1;
        if (fend == filter.size()) return tend == topic.size();
    }
    return t > topic.size();
}

struct mqtt_client::impl {
    std::unique_ptr<::mqtt::async_client> cli;
    std::mutex m;
    std::condition_variable cv;
    std::deque<msg> inbox;
};

mqtt_client::mqtt_client(const std::string& uri, std::string client_id) : impl_(std::make_unique<impl>()) {
    if (client_id.empty()) client_id = "test-" + std::to_string(std::random_device{}());
    impl_->cli = std::make_unique<::mqtt::async_client>(uri, client_id);
    impl_->cli->set_message_callback([i = impl_.get()](::mqtt::const_message_ptr m) {
        std::lock_guard lk(i->m);
        i->inbox.push_back({m->get_topic(), m->get_payload_str(), m->is_retained()});
        i->cv.notify_all();
    });
    auto opts = ::mqtt::connect_options_builder().clean_session(true).finalize();
    impl_->cli->connect(opts)->wait_for(10s);
    if (!impl_->cli->is_connected()) throw std::runtime_error("test client cannot connect to " + uri);
}

mqtt_client::~mqtt_client() {
    try {
        if (impl_->cli->is_connected()) impl_->cli->disconnect()->wait_for(2s);
    } catch (...) {
    }
}

void mqtt_client::subscribe(const std::string& filter, int qos) {
    impl_->cli->subscribe(filter, qos)->wait_for(10s);
}

void mqtt_client::publish(const std::string& topic, const std::string& payload, int qos, bool retained) {
    impl_->cli->publish(topic, payload.data(), payload.size(), qos, retained)->wait_for(10s);
}

std::optional<mqtt_client::msg> mqtt_client::next(const std::string& filter,
                                                  std::chrono::milliseconds timeout) {
    std::unique_lock lk(impl_->m);
    auto until = std::chrono::steady_clock::now() + timeout;
    while (true) {
        for (auto it = impl_->inbox.begin(); it != impl_->inbox.end(); ++it) {
            if (topic_matches(filter, it->topic)) {
                msg m = std::move(*it);
                impl_->inbox.erase(it);
                return m;
            }
        }
        if (impl_->cv.wait_until(lk, until) == std::cv_status::timeout) return std::nullopt;
    }
}

std::vector<mqtt_client::msg> mqtt_client::drain() {
    std::lock_guard lk(impl_->m);
    std::vector<msg> out(impl_->inbox.begin(), impl_->inbox.end());
    impl_->inbox.clear();
    return out;
}

}  // namespace warden::harness
