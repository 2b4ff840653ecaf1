// warden-ctl pair --config CONFIG --id ID --kind KIND: after a short warm-up (devices heard then were
// already there), waits for a new device to join (zigbee2mqtt bridge/event) or to speak without being
// configured, with a message that fits the kind (ctl::pairing); shows it and asks the technician to
// confirm (or --yes), then appends a [[sensor]] block for it to the config, leaving the rest of the
// file as it was. The file is replaced atomically (temp file, fsync, rename); an invalid result is
// never written.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>

#include "cli.hpp"
#include "home_link.hpp"
#include "warden/common/alert.hpp"
#include "warden/common/event.hpp"
#include "warden/ctl/config_edit.hpp"
#include "warden/ctl/discovery.hpp"
#include "warden/ctl/pairing.hpp"

namespace warden::ctl {

namespace {

struct pair_options {
    std::string config;
    std::string id;
    std::string kind;
    std::string location;
    std::string timeout = "120s";
    std::string warm_up = "3s";
    bool dry_run = false;
    bool yes = false;
};

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw usage_error(fmt::format("{}: cannot read", path));
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/// Replaces `path` with `text` so that a reader (the hub restarting, a power cut) sees either the old
/// file or the new one, never a part: a temp file in the same folder with the same mode, fsync, rename,
/// fsync of the folder. On failure the original is untouched and the temp file removed.
void write_file_atomically(const std::string& path, const std::string& text) {
    namespace fs = std::filesystem;
    const fs::path target(path);
    const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) throw check_failed(fmt::format("{}: {}", path, std::strerror(errno)));
    std::string tmp = (dir / ("." + target.filename().string() + ".XXXXXX")).string();
    int fd = ::mkstemp(tmp.data());
    if (fd < 0)
        throw check_failed(fmt::format("{}: cannot create a temporary file in {}: {}", path, dir.string(),
                                       std::strerror(errno)));
    auto fail = [&](std::string_view what) {
        int e = errno;
        ::close(fd);
        ::unlink(tmp.c_str());
        throw check_failed(
            fmt::format("{}: cannot {} (file left as it was): {}", path, what, std::strerror(e)));
    };
    if (::fchmod(fd, st.st_mode & 07777) != 0) fail("keep its permissions");
    if (::getuid() == 0) (void)::fchown(fd, st.st_uid, st.st_gid);
    for (std::size_t done = 0; done < text.size();) {
        auto n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) fail("write");
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) fail("sync");
    if (::close(fd) != 0) {
        int e = errno;
        ::unlink(tmp.c_str());
        throw check_failed(fmt::format("{}: cannot write (file left as it was): {}", path, std::strerror(e)));
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        int e = errno;
        ::unlink(tmp.c_str());
        throw check_failed(
            fmt::format("{}: cannot replace (file left as it was): {}", path, std::strerror(e)));
    }
    if (int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY); d >= 0) {
        (void)::fsync(d);
        ::close(d);
    }
}

/// Asks on the terminal; true for "y" or "yes".
bool confirm(const std::string& question) {
    std::cerr << question << " [y/N] " << std::flush;
    std::string answer;
    if (!std::getline(std::cin, answer)) return false;
    for (auto& c : answer) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return answer == "y" || answer == "yes";
}

int run_pair(const pair_options& o, const context& ctx) {
    auto wait = duration_option(o.timeout, "--timeout");
    auto kind = parse_sensor_kind(o.kind);
    if (!kind)
        throw usage_error(
            fmt::format("--kind \"{}\": not a sensor kind ({})", o.kind, all_sensor_kind_names()));
    if (!is_valid_id(o.id))
        throw usage_error(fmt::format("--id \"{}\": use 1-64 of A-Z a-z 0-9 . _ -", o.id));
    auto cfg = load_config(o.config);
    if (cfg.find_sensor(o.id))
        throw usage_error(fmt::format("--id \"{}\": {} already has that sensor", o.id, o.config));
    const std::string original = read_file(o.config);
    auto warm_up = duration_option(o.warm_up, "--warm-up");
    const bool ask = !o.yes && !o.dry_run;
    if (ask && !::isatty(STDIN_FILENO))
        throw usage_error(
            "pair asks you to confirm the device on a terminal, and stdin is not one: run it in a terminal, "
            "or pass --yes to take the first new device whose message fits --kind (or --dry-run to only "
            "show it)");

    pairing watch(cfg, *kind);
    std::optional<pair_candidate> candidate;
    home_link link(cfg.local, "pair", ctx.log());
    link.on_message([&](mqtt::message m) {
        if (candidate) return;  // one at a time: the technician is looking at it
        auto step = watch.add(m.topic, m.payload, now_ms(), m.retained);
        if (!step.note.empty()) std::cerr << "warden-ctl: " << step.note << '\n';
        if (step.candidate) candidate = std::move(step.candidate);
    });
    for (const auto& f : discovery_subscriptions(cfg)) link.subscribe(f, 0);
    link.connect();
    // Devices that speak now were there before: the broker's retained messages, a plug reporting its
    // power. Listen a moment before asking for the new one.
    link.run_for(warm_up);
    watch.end_warm_up();
    std::cerr << fmt::format(
        "warden-ctl: waiting up to {} for a new device on {}: put it in pairing mode now (zigbee2mqtt: "
        "permit join), then trigger it ({} for a {})\n",
        o.timeout, link.uri(),
        kind == sensor_kind::temperature ? "warm it" : signal_name(*kind, signal::active), to_string(*kind));
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (true) {
        link.run_until([&] { return candidate.has_value(); }, deadline);
        if (!candidate) {
            std::string joined;
            for (const auto& t : watch.joined_but_unconfirmed()) joined += (joined.empty() ? "" : ", ") + t;
            throw check_failed(
                joined.empty()
                    ? fmt::format("no new device joined or spoke within {}", o.timeout)
                    : fmt::format(
                          "no new device sent a {} message within {} ({} joined: trigger it, or check "
                          "--kind)",
                          to_string(*kind), o.timeout, joined));
        }
        std::cout << fmt::format("found {} ({}, {}){}\n", candidate->dev.topic,
                                 config::to_string(candidate->dev.source), candidate->how,
                                 candidate->dev.model.empty() ? "" : ": " + candidate->dev.model);
        std::cout << "  payload: " << truncate_payload(candidate->payload, 200) << '\n' << std::flush;
        if (!ask ||
            confirm(fmt::format("Add {} as {} sensor \"{}\"?", candidate->dev.topic, to_string(*kind), o.id)))
            break;
        std::cerr << "warden-ctl: not taken; waiting for another device\n";
        watch.reject(candidate->dev.topic);
        candidate.reset();
    }

    sensor_block block;
    block.id = o.id;
    block.kind = *kind;
    block.source = candidate->dev.source;
    block.topic = candidate->dev.topic;
    block.location = o.location;
    block.comment = fmt::format("paired by warden-ctl {}{}", format_time(now_ms()).substr(0, 10),
                                candidate->dev.model.empty() ? "" : ": " + candidate->dev.model);
    const std::string updated = append_sensor_block(original, block);
    // Validate before touching the file, then again from disk, as the hub will read it.
    config::parse_hub_config(updated, o.config);
    std::cout << '\n' << render_sensor_block(block) << '\n';
    if (o.dry_run) {
        std::cout << "dry run: " << o.config << " not changed\n";
        return exit_ok;
    }
    write_file_atomically(o.config, updated);
    try {
        config::load_hub_config(o.config);  // as the hub will read it (paths, included files)
    } catch (...) {
        write_file_atomically(o.config, original);
        std::cerr << "warden-ctl: the new config did not validate; " << o.config << " restored\n";
        throw;
    }
    std::cout << fmt::format(
        "added sensor \"{}\" to {}; restart warden-hub to use it, then `warden-ctl simulate` or "
        "trigger the device to test it\n",
        o.id, o.config);
    return exit_ok;
}

}  // namespace

void add_pair(CLI::App& app, context& ctx) {
    auto o = std::make_shared<pair_options>();
    auto* sub = app.add_subcommand("pair",
                                   "Wait for a new device to join (zigbee2mqtt) or speak with a message that "
                                   "fits --kind, show it, ask\n"
                                   "y/N (or --yes), and append a [[sensor]] block for it to the config (the "
                                   "rest of the file is left as it was).\n"
                                   "Devices heard during the warm-up, and zigbee2mqtt devices already in "
                                   "bridge/devices, are ignored\n"
                                   "unless they join again. Exit 1 on timeout; 2 if stdin is not a terminal "
                                   "and --yes is not given.");
    sub->add_option("--config", o->config, "The hub config (hub.toml) to add the sensor to")->required();
    sub->add_option("--id", o->id, "The new sensor's id (used in rules and alerts)")->required();
    sub->add_option("--kind", o->kind, "The sensor kind (pendant, motion, door, bed, smoke, ...)")
        ->required();
    sub->add_option("--location", o->location, "Where it is, for operators (\"bedroom\")");
    sub->add_option("--timeout", o->timeout, "How long to wait for the device (default 120s)");
    sub->add_option("--warm-up", o->warm_up,
                    "Listen this long first; devices heard then were already there and are ignored "
                    "(default 3s)");
    sub->add_flag("--yes", o->yes,
                  "Take the first new device whose message fits --kind without asking (needed when stdin "
                  "is not a terminal)");
    sub->add_flag("--dry-run", o->dry_run, "Show the block but do not change the config");
    sub->callback([&ctx, o] { ctx.run = [o, &ctx] { return run_pair(*o, ctx); }; });
}

}  // namespace warden::ctl
